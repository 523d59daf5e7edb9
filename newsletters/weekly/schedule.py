"""When each CLP's weekly email is due, and which week the TULO is preparing.

Read-only: the week's digest is made by the tick (due_digests) or by the TULO's POST
(services.ensure_upcoming_digest), never by opening a page."""

import datetime

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


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def schedule_for(clp: CLP) -> WeeklySchedule:
    """The CLP's schedule, or the default one (Monday 08:00) if it has never saved one."""
    return WeeklySchedule.objects.filter(clp=clp).first() or WeeklySchedule(clp=clp)


def send_at(schedule: WeeklySchedule, monday: datetime.date) -> datetime.datetime:
    """When the week's email is due: the CLP's day and time in Europe/London, as an aware time."""
    day = monday + datetime.timedelta(days=schedule.weekday)
    return timezone.make_aware(datetime.datetime.combine(day, schedule.send_time))


def upcoming_week(clp: CLP, now: datetime.datetime | None = None) -> datetime.date:
    """The Monday of the week the TULO is preparing: this week's if its email has not gone
    yet, else next week's."""
    now = now or timezone.now()
    monday = week_start(timezone.localtime(now).date())
    existing = Digest.objects.filter(clp=clp, week_start=monday).first()
    done = existing is not None and existing.status in GONE
    if done or (existing is None and now >= send_at(schedule_for(clp), monday)):
        monday += datetime.timedelta(days=7)
    return monday


def upcoming_digest(clp: CLP, now: datetime.datetime | None = None) -> Digest:
    """That week's digest as it stands; unsaved (no note, a draft) if nobody has touched it."""
    monday = upcoming_week(clp, now)
    return Digest.objects.filter(clp=clp, week_start=monday).first() or Digest(
        clp=clp, week_start=monday
    )


def due_digests(now: datetime.datetime) -> list[int]:
    """Ids of this week's digests whose send time has come and that wait to be sent.

    Makes the week's digest for each due CLP that has none yet, all in one INSERT; the unique
    constraint on (CLP, week) means two ticks, two beat processes or a retry still make one.
    A few queries whatever the number of CLPs, since it runs every minute.
    """
    monday = week_start(timezone.localtime(now).date())
    default = WeeklySchedule()  # for a CLP that has never saved one of its own
    due = []
    # Every CLP with its schedule, if it has one, in one query.
    for clp_id, enabled, weekday, send_time in CLP.objects.values_list(
        "pk", "weekly_schedule__enabled", "weekly_schedule__weekday", "weekly_schedule__send_time"
    ):
        if enabled is False:
            continue
        schedule = (
            default if enabled is None else WeeklySchedule(weekday=weekday, send_time=send_time)
        )
        if now >= send_at(schedule, monday):
            due.append(clp_id)
    if not due:
        return []
    made = set(
        Digest.objects.filter(clp_id__in=due, week_start=monday).values_list("clp_id", flat=True)
    )
    Digest.objects.bulk_create(
        [Digest(clp_id=clp_id, week_start=monday) for clp_id in due if clp_id not in made],
        ignore_conflicts=True,  # another tick made it between our read and our write
    )
    return list(
        Digest.objects.filter(
            clp_id__in=due,
            week_start=monday,
            status__in=[DigestStatus.DRAFT, DigestStatus.SENDING],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
