"""When each CLP's weekly email is due, which days it covers, and which week the TULO is
preparing.

Each week's email covers seven days, so that one week's email starts where the last one ended:
from its day (Monday to Friday), or, when it goes at the weekend, the week that follows it,
Monday to Sunday. Sent late, it covers what is left of those days, and says so.

An email whose time passed more than a day ago is not sent by the tick: it waits for the TULO,
who can send it for the days it has left (services.send_waiting).

Read-only: the week's digest is made by the tick (due_digests) or by the TULO's POST
(services.ensure_upcoming_digest), never by opening a page."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from clps.models import CLP

from ..models import Digest, DigestStatus, WeeklySchedule

# Once a digest is in one of these, the TULO is preparing the next week's.
GONE = (
    DigestStatus.SENT,
    DigestStatus.SKIPPED,
    DigestStatus.SENDING,
    DigestStatus.PAUSED,
    DigestStatus.STOPPED,
)

ONE_DAY = datetime.timedelta(days=1)
ONE_WEEK = datetime.timedelta(days=7)

# An email later than this is not sent by the tick: news read days late would mislead.
STALE_AFTER = datetime.timedelta(hours=24)


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Window:
    """The days one email covers, first to last, and how the email names them."""

    first: datetime.date
    last: datetime.date

    @property
    def whole_week(self) -> bool:
        return self.first.weekday() == 0 and self.last == self.first + 6 * ONE_DAY

    def __contains__(self, day: datetime.date) -> bool:
        return self.first <= day <= self.last

    @property
    def label(self) -> str:
        """'week of Monday 7 December', 'Wed 9 to Sun 13 December', 'Mon 28 December to Sun
        3 January', 'Sunday 13 December'."""
        first, last = self.first, self.last
        if self.whole_week:
            return f"week of {first:%A} {first.day} {first:%B}"
        if first == last:
            return f"{first:%A} {first.day} {first:%B}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first:%a} {first.day} to {last:%a} {last.day} {last:%B}"
        return f"{first:%a} {first.day} {first:%B} to {last:%a} {last.day} {last:%B}"

    @property
    def short_label(self) -> str:
        """For a subject line: 'this week', 'Wed 9 to Sun 13 Dec', 'Sun 13 Dec'."""
        first, last = self.first, self.last
        if self.whole_week:
            return "this week"
        if first == last:
            return f"{first:%a} {first.day} {first:%b}"
        if first.month == last.month:
            return f"{first:%a} {first.day} to {last:%a} {last.day} {last:%b}"
        return f"{first:%a} {first.day} {first:%b} to {last:%a} {last.day} {last:%b}"


def schedule_for(clp: CLP) -> WeeklySchedule:
    """The CLP's schedule, or the default one (Monday 08:00) if it has never saved one. Read
    from the CLP when fetched with it (`select_related("weekly_schedule")`)."""
    if CLP.weekly_schedule.is_cached(clp):
        return clp._state.fields_cache["weekly_schedule"] or WeeklySchedule(clp=clp)
    return WeeklySchedule.objects.filter(clp=clp).first() or WeeklySchedule(clp=clp)


def send_at(schedule: WeeklySchedule, monday: datetime.date) -> datetime.datetime:
    """When the week's email is due, in Europe/London, as an aware time: the CLP's day in that
    week, or, for a Saturday or Sunday, the weekend before it."""
    weekday = schedule.weekday
    day = monday + datetime.timedelta(days=weekday if weekday < 5 else weekday - 7)
    return timezone.make_aware(datetime.datetime.combine(day, schedule.send_time))


def window(
    schedule: WeeklySchedule, monday: datetime.date, *, today: datetime.date | None = None
) -> Window:
    """The seven days the week's email covers; from `today` on, if it goes later."""
    first = monday + datetime.timedelta(days=schedule.weekday if schedule.weekday < 5 else 0)
    last = first + 6 * ONE_DAY
    if today is not None and today > first:
        first = min(today, last)
    return Window(first, last)


def covering_week(schedule: WeeklySchedule, day: datetime.date) -> datetime.date:
    """The Monday of the week whose email covers `day`: on a weekend from the day an email sent
    at the weekend is due, the week after."""
    monday = week_start(day)
    if schedule.weekday < 5 and day < monday + datetime.timedelta(days=schedule.weekday):
        monday -= ONE_WEEK
    if schedule.weekday >= 5 and day.weekday() >= schedule.weekday:
        monday += ONE_WEEK
    return monday


def due_week(schedule: WeeklySchedule, now: datetime.datetime) -> datetime.date:
    """The Monday of the latest week whose email's time has come."""
    monday = week_start(timezone.localtime(now).date()) + ONE_WEEK
    while send_at(schedule, monday) > now:
        monday -= ONE_WEEK
    return monday


def is_stale(schedule: WeeklySchedule, monday: datetime.date, now: datetime.datetime) -> bool:
    """Whether the week's email is more than STALE_AFTER past its time."""
    return now - send_at(schedule, monday) > STALE_AFTER


def upcoming_week(
    clp: CLP, now: datetime.datetime | None = None, *, schedule: WeeklySchedule | None = None
) -> datetime.date:
    """The Monday of the week the TULO is preparing: the week whose email is due now, until it
    has gone or is too late for the tick to send; then the next."""
    now = now or timezone.now()
    schedule = schedule or schedule_for(clp)
    monday = due_week(schedule, now)
    if not is_stale(schedule, monday, now):
        status = (
            Digest.objects.filter(clp=clp, week_start=monday)
            .values_list("status", flat=True)
            .first()
        )
        if status not in GONE:
            return monday
    return monday + ONE_WEEK


def upcoming_digest(
    clp: CLP, now: datetime.datetime | None = None, *, schedule: WeeklySchedule | None = None
) -> Digest:
    """That week's digest as it stands; unsaved (no note, a draft) if nobody has touched it."""
    monday = upcoming_week(clp, now, schedule=schedule)
    return Digest.objects.filter(clp=clp, week_start=monday).first() or Digest(
        clp=clp, week_start=monday
    )


def waiting_digest(
    clp: CLP, now: datetime.datetime | None = None, *, schedule: WeeklySchedule | None = None
) -> Digest | None:
    """The week's email that was due more than STALE_AFTER ago and was not sent, which the
    TULO may still send for the days it has left; unsaved if the tick never made it. None when
    every email has gone on time, or the CLP's weekly email is turned off."""
    now = now or timezone.now()
    schedule = schedule or schedule_for(clp)
    monday = due_week(schedule, now)
    if not schedule.enabled or not is_stale(schedule, monday, now):
        return None
    if timezone.localtime(now).date() > window(schedule, monday).last:
        return None  # its days are over: the next one goes later today
    digest = Digest.objects.filter(clp=clp, week_start=monday).first()
    if digest is None:
        return Digest(clp=clp, week_start=monday)
    return digest if digest.status in (DigestStatus.DRAFT, DigestStatus.HELD) else None


def due_digests(now: datetime.datetime) -> list[int]:
    """Ids of the digests the tick should send now: each CLP's email whose time has come in the
    last STALE_AFTER and that waits to be sent, and any send already under way.

    Makes the week's digest for each such CLP that has none yet, all in one INSERT; the unique
    constraint on (CLP, week) means two ticks, two beat processes or a retry still make one.
    A few queries whatever the number of CLPs, since it runs every minute.
    """
    default = WeeklySchedule()  # for a CLP that has never saved one of its own
    on_time: dict[datetime.date, list[int]] = {}  # week -> CLPs whose email is due now
    late: dict[datetime.date, list[int]] = {}  # week -> CLPs whose email's time is long past
    # Every CLP with its schedule, if it has one, in one query.
    for clp_id, enabled, weekday, send_time in CLP.objects.values_list(
        "pk", "weekly_schedule__enabled", "weekly_schedule__weekday", "weekly_schedule__send_time"
    ):
        if enabled is False:
            continue
        schedule = (
            default if enabled is None else WeeklySchedule(weekday=weekday, send_time=send_time)
        )
        monday = due_week(schedule, now)
        (late if is_stale(schedule, monday, now) else on_time).setdefault(monday, []).append(clp_id)
    if on_time:
        weeks = Q()
        for monday, clp_ids in on_time.items():
            weeks |= Q(week_start=monday, clp_id__in=clp_ids)
        made = set(Digest.objects.filter(weeks).values_list("clp_id", "week_start"))
        Digest.objects.bulk_create(
            [
                Digest(clp_id=clp_id, week_start=monday)
                for monday, clp_ids in on_time.items()
                for clp_id in clp_ids
                if (clp_id, monday) not in made
            ],
            ignore_conflicts=True,  # another tick made it between our read and our write
        )
    wanted = Q()
    for monday, clp_ids in on_time.items():
        wanted |= Q(
            week_start=monday,
            clp_id__in=clp_ids,
            status__in=[DigestStatus.DRAFT, DigestStatus.SENDING],
        )
    # A late email is not started, but one already sending is carried on to the end.
    for monday, clp_ids in late.items():
        wanted |= Q(week_start=monday, clp_id__in=clp_ids, status=DigestStatus.SENDING)
    if not wanted:
        return []
    return list(Digest.objects.filter(wanted).order_by("pk").values_list("pk", flat=True))
