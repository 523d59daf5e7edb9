"""The trip leader's check-in on the line, through their secret link: who came (first names
only), who turned up without signing up, and the visit drafted from it for the TULO to confirm.

Who came is kept on the sign-ups (`attended_at`), so every link to the line ticks the same list,
and the visit drafted from a day's check-in is one per picket line and date: sent again, it is
updated while it waits for the TULO; once confirmed, it is the TULO's and stays as it is.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clps.models import Membership
from strikes.models import ActionDay

from .forms import WalkInForm
from .models import LeadLink, PicketLine, PicketSignup, PicketVisit, SignupSource, VisitStatus

# Check-in is open on the day and for this many days after: the leader may tick people off that
# evening, or a day or two later. Not before: nobody has come yet.
CHECKIN_DAYS_AFTER = 3
# A link passed on too far cannot fill a day with made-up names.
MAX_WALK_INS = 100
# The drafted report names at most this many members; the rest are counted.
MAX_NAMED = 12
# What the audit log says the change came from, with no one signed in to name.
CHANGE_REASON = "from the trip leader's check-in"


def checkin_open(day: ActionDay, *, today: datetime.date) -> bool:
    """Whether the leader can tick off who came on this day."""
    earliest = today - datetime.timedelta(days=CHECKIN_DAYS_AFTER)
    return not day.cancelled and earliest <= day.date <= today


def checkin_day(*, link: LeadLink, day_id: int) -> ActionDay | None:
    """The link's picket line's day with that id, if it is open for check-in."""
    day = link.picket_line.action_days.filter(pk=day_id).first()
    if day is None or not checkin_open(day, today=timezone.localdate()):
        return None
    return day


# The leader's page ----------------------------------------------------------------------------


@dataclass
class LeadDay:
    """One day on the leader's page: who is coming, or on a check-in day, who came."""

    day: ActionDay
    signups: list[PicketSignup]
    checkin: bool
    visit: PicketVisit | None = None  # drafted from this day's check-in
    form: WalkInForm | None = None

    @property
    def came(self) -> int:
        return sum(1 for signup in self.signups if signup.attended_at)

    @property
    def sent_again(self) -> bool:
        """A visit is drafted and waits for the TULO: Done sends the list again."""
        return self.visit is not None and self.visit.status == VisitStatus.REPORTED

    @property
    def confirmed(self) -> bool:
        return self.visit is not None and self.visit.status == VisitStatus.CONFIRMED


def lead_days(*, link: LeadLink, only: ActionDay | None = None) -> list[LeadDay]:
    """The days the leader's page shows: those open for check-in (with who came) and those to
    come (with who is coming), soonest first. Four queries, however many sign-ups."""
    line = link.picket_line
    today = timezone.localdate()
    earliest = today - datetime.timedelta(days=CHECKIN_DAYS_AFTER)
    days: list[ActionDay] = (
        [only] if only else list(line.action_days.filter(date__gte=earliest).order_by("date"))
    )
    shown = [day for day in days if day.date >= today or checkin_open(day, today=today)]
    if not shown:
        return []
    by_day: dict[int, list[PicketSignup]] = {day.pk: [] for day in shown}
    signups = PicketSignup.objects.filter(
        picket_line=line, action_day_id__in=list(by_day), confirmed_at__isnull=False
    ).select_related("user")
    for signup in signups.order_by("created_at", "pk"):
        by_day[signup.action_day_id].append(signup)
    rows = [
        LeadDay(day=day, signups=by_day[day.pk], checkin=checkin_open(day, today=today))
        for day in shown
    ]
    checkin_dates = [row.day.date for row in rows if row.checkin]
    if checkin_dates:
        visits = {visit.date: visit for visit in _drafted(line).filter(date__in=checkin_dates)}
        for row in rows:
            if row.checkin:
                row.visit = visits.get(row.day.date)
                row.form = WalkInForm(auto_id=f"day{row.day.pk}_%s")
    return rows


def _drafted(line: PicketLine) -> QuerySet[PicketVisit]:
    """The line's visits drafted from a check-in (by any of its links, kept or revoked)."""
    return PicketVisit.objects.filter(picket_line=line, lead_link__isnull=False).order_by("pk")


# Ticking off ----------------------------------------------------------------------------------


def attendance_set(*, link: LeadLink, day: ActionDay, signup_id: int, came: bool) -> bool:
    """Tick (or untick) someone on the day's list; False if they are not on it. Unticking
    someone who turned up without signing up takes them off the list: they were on it only
    because they came."""
    signups = PicketSignup.objects.filter(
        pk=signup_id,
        picket_line_id=link.picket_line_id,
        action_day=day,
        confirmed_at__isnull=False,
    )
    signup = signups.only("pk", "source", "attended_at").first()
    if signup is None:
        return False
    if came:
        # The first tick's time is kept: a second tap on a slow connection changes nothing.
        signups.filter(attended_at__isnull=True).update(attended_at=timezone.now())
    elif signup.source == SignupSource.WALK_IN:
        signups.delete()
    else:
        signups.update(attended_at=None)
    return True


@transaction.atomic
def walk_in_add(*, link: LeadLink, day: ActionDay, name: str) -> PicketSignup:
    """Someone who came without signing up: a first name, ticked as came. ValidationError if
    the day has as many as a day can have."""
    line = PicketLine.objects.select_for_update().get(pk=link.picket_line_id)
    walk_ins = PicketSignup.objects.filter(
        picket_line=line, action_day=day, source=SignupSource.WALK_IN
    )
    if walk_ins.count() >= MAX_WALK_INS:
        raise ValidationError(
            f"That's {MAX_WALK_INS} added already: tell the TULO how many more came, and they "
            "will add them to the visit."
        )
    now = timezone.now()
    return PicketSignup.objects.create(
        picket_line=line,
        action_day=day,
        source=SignupSource.WALK_IN,
        name=" ".join(name.split()),
        confirmed_at=now,
        attended_at=now,
    )


# Done: the visit for the TULO -----------------------------------------------------------------


class Sent(StrEnum):
    DRAFTED = "drafted"
    UPDATED = "updated"
    CONFIRMED_ALREADY = "confirmed already"
    NOBODY = "nobody ticked"


@dataclass(frozen=True)
class CheckinSent:
    outcome: Sent
    visit: PicketVisit | None


def people(names: list[str], count: int) -> str:
    """'Ann, Bob and 3 others', 'Ann and 1 other', '4 people': up to MAX_NAMED names of the
    `count` who came, the rest counted."""
    named = names[:MAX_NAMED]
    others = count - len(named)
    if not named:
        return f"{count} {'person' if count == 1 else 'people'}"
    parts = named + ([f"{others} other{'' if others == 1 else 's'}"] if others else [])
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def report_text(names: list[str], count: int) -> str:
    return f"Checked in on the line by the trip leader: {people(names, count)}."


@transaction.atomic
def checkin_send(*, link: LeadLink, day: ActionDay) -> CheckinSent:
    """Draft the day's visit from who came, for the TULO to confirm as they confirm members'
    reports: the date, the line, the count, and the CLP's members among those who came, by
    name (the report text names only them: anyone else is a number, so a first name given
    on the day is not kept past the sign-ups' own deletion).

    Sent again while the visit waits, it is brought up to date; once the TULO has confirmed
    it, nothing changes. Nobody ticked, nothing is drafted."""
    # Two presses at once (or two leaders' links) wait here for each other: one visit a day.
    line = PicketLine.objects.select_for_update().get(pk=link.picket_line_id)
    visit = _drafted(line).filter(date=day.date).first()
    if visit is not None and visit.status != VisitStatus.REPORTED:
        return CheckinSent(Sent.CONFIRMED_ALREADY, visit)
    came = list(
        PicketSignup.objects.filter(
            picket_line=line, action_day=day, confirmed_at__isnull=False, attended_at__isnull=False
        )
        .select_related("user")
        .order_by("created_at", "pk")
    )
    if not came:
        return CheckinSent(Sent.NOBODY, visit)
    in_clp = set(
        Membership.objects.filter(
            clp_id=line.clp_id, user_id__in=[s.user_id for s in came if s.user_id]
        ).values_list("user_id", flat=True)
    )
    members = [s.user for s in came if s.user is not None and s.user.pk in in_clp]
    outcome = Sent.UPDATED if visit else Sent.DRAFTED
    if visit is None:
        visit = PicketVisit(
            clp_id=line.clp_id,
            dispute_id=line.dispute_id,
            picket_line=line,
            date=day.date,
            status=VisitStatus.REPORTED,
        )
    visit.lead_link = link
    visit.members_count = len(came)
    visit.report = report_text([m.name.split()[0] for m in members if m.name.split()], len(came))
    # No one signed in made this change: the audit log names no author, and says where it came
    # from instead.
    visit._history_user = None
    visit._change_reason = CHANGE_REASON  # type: ignore[attr-defined]
    visit.save()
    visit.members.set(members)
    return CheckinSent(outcome, visit)
