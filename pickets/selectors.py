"""Reads over what a CLP did: picket lines, sign-ups, visits and the solidarity report."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from clps.models import CLP, User
from clps.pagination import Page, keyset_page
from strikes.models import ActionDay, Dispute, DisputeStatus

from .invitations import InvitationTally
from .invitations import tally as invitation_tally
from .models import (
    MONEY_TYPES,
    ActionType,
    LeadLink,
    PicketLine,
    PicketSignup,
    PicketVisit,
    RepresentativeAttendance,
    SolidarityAction,
    VisitStatus,
)

# Stripped from the first word of a lead link's label: "Sam, trip leader" names Sam.
LABEL_PUNCTUATION = ",.;:!?()[]\"'-–—"


def upcoming_picket_lines(
    *, clp: CLP | list[int], start: datetime.date, end: datetime.date
) -> QuerySet:
    """The CLP's picket lines (or those of the CLPs with these ids) with a day from start to
    end, days prefetched in that range."""
    days = ActionDay.objects.filter(date__gte=start, date__lte=end).order_by("date")
    clps = Q(clp_id__in=clp) if isinstance(clp, list) else Q(clp=clp)
    return (
        PicketLine.objects.filter(clps, action_days__date__gte=start, action_days__date__lte=end)
        .distinct()
        .select_related("dispute", "dispute__employer")
        .prefetch_related(Prefetch("action_days", queryset=days, to_attr="days_in_range"))
    )


def picket_lines_page(
    *, clp: CLP, start: datetime.date, end: datetime.date, cursor: str | None
) -> Page:
    """The CLP's picket lines with a day from start to end, soonest first, a page at a time."""
    days = ActionDay.objects.filter(date__gte=start, date__lte=end).order_by("date")
    lines = (
        PicketLine.objects.filter(clp=clp, action_days__date__gte=start, action_days__date__lte=end)
        .annotate(first_day=Min("action_days__date"))
        .select_related("dispute", "dispute__employer")
        .prefetch_related(Prefetch("action_days", queryset=days, to_attr="days_in_range"))
    )
    return keyset_page(lines, order=["first_day", "id"], cursor=cursor, size=20)


def signup_counts(*, line_ids: list[int]) -> dict[tuple[int, int], int]:
    """(picket line id, action day id) -> how many are going."""
    if not line_ids:
        return {}
    rows = (
        PicketSignup.objects.filter(picket_line_id__in=line_ids, confirmed_at__isnull=False)
        .values("picket_line_id", "action_day_id")
        .annotate(n=Count("pk"))
    )
    return {(r["picket_line_id"], r["action_day_id"]): r["n"] for r in rows}


def user_signups(*, user: User | AnonymousUser, line_ids: list[int]) -> set[tuple[int, int]]:
    if not user.is_authenticated:
        return set()
    return set(
        PicketSignup.objects.filter(user=user, picket_line_id__in=line_ids).values_list(
            "picket_line_id", "action_day_id"
        )
    )


def signup_with_line(*, pk: int) -> PicketSignup | None:
    """A sign-up a signed link names, with what its page shows."""
    return (
        PicketSignup.objects.select_related(
            "picket_line__dispute", "picket_line__clp", "action_day", "user"
        )
        .filter(pk=pk)
        .first()
    )


def signup_for_address(*, line_id: int, day_id: int, email: str) -> PicketSignup | None:
    """Someone's sign-up for a day, by the address it is known by (a member's or their own)."""
    return (
        PicketSignup.objects.filter(picket_line_id=line_id, action_day_id=day_id)
        .filter(Q(email__iexact=email) | Q(user__email__iexact=email))
        .first()
    )


def who_is_going(
    *, picket_line: PicketLine, confirmed_only: bool = True
) -> dict[int, list[PicketSignup]]:
    """action day id -> sign-ups, for the TULO, who also sees public sign-ups waiting for
    their confirmation. (The trip leader's page reads its own: pickets.checkin.lead_days.)"""
    going: dict[int, list[PicketSignup]] = defaultdict(list)
    signups = PicketSignup.objects.filter(picket_line=picket_line)
    if confirmed_only:
        signups = signups.filter(confirmed_at__isnull=False)
    for signup in signups.select_related("user").order_by("created_at"):
        going[signup.action_day_id].append(signup)
    return going


def visits(*, clp: CLP, status: str | None = None) -> QuerySet[PicketVisit]:
    qs = PicketVisit.objects.filter(clp=clp)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("dispute", "reported_by", "lead_link").prefetch_related(
        "representatives", "photos"
    )


def visits_page(*, clp: CLP, status: str, cursor: str | None) -> Page:
    """The CLP's visits of one status, latest first, a page at a time."""
    return keyset_page(visits(clp=clp, status=status), order=["-date", "-id"], cursor=cursor)


def ledger_page(*, clp: CLP, cursor: str | None) -> Page:
    """The CLP's solidarity ledger, latest first, a page at a time."""
    return keyset_page(
        SolidarityAction.objects.filter(clp=clp).select_related("dispute", "union"),
        order=["-date", "-id"],
        cursor=cursor,
    )


def disputes_to_choose() -> QuerySet[Dispute]:
    """Disputes a visit or action can be about: any on the site, by title (a CLP may visit a
    picket line of a dispute it does not follow)."""
    return Dispute.objects.order_by("title")


def disputes_with_days_ahead(*, today: datetime.date) -> QuerySet[Dispute]:
    """Disputes a new picket line can be for: those with action days to come."""
    return (
        Dispute.objects.filter(action_days__date__gte=today)
        .distinct()
        .select_related("employer")
        .order_by("title")
    )


def clp_members(*, clp: CLP) -> QuerySet[User]:
    """Everyone in the CLP, for the TULO to name who went on a visit."""
    return User.objects.filter(memberships__clp=clp).order_by("name", "email")


def trip_leaders(*, line_ids: Iterable[int]) -> dict[int, str]:
    """picket line id -> the first name of whoever leads the CLP's group there: the first word
    of the label ("who it was shared with") of the line's newest live lead link that has one.
    Lines without one are left out."""
    leaders: dict[int, str] = {}
    links = (
        LeadLink.objects.filter(picket_line_id__in=list(line_ids), revoked_at__isnull=True)
        .exclude(label="")
        .order_by("-created_at", "-pk")
        .values_list("picket_line_id", "label")
    )
    for line_id, label in links:
        first = (label.split() or [""])[0].strip(LABEL_PUNCTUATION)
        if first:
            leaders.setdefault(line_id, first)
    return leaders


def live_lead_link(*, token: str) -> LeadLink | None:
    return (
        LeadLink.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("picket_line__dispute", "picket_line__clp")
        .first()
    )


@dataclass
class DisputeRow:
    dispute: Dispute
    visits: int = 0
    attendances: int = 0
    representatives: int = 0
    money_pence: int = 0
    actions: int = 0


@dataclass
class MonthRow:
    month: datetime.date
    visits: int = 0
    attendances: int = 0
    money_pence: int = 0


@dataclass
class Report:
    start: datetime.date
    end: datetime.date
    disputes_supported: int = 0
    visits: int = 0
    attendances: int = 0
    banners: int = 0  # visits the CLP's banner went to
    distinct_members: int = 0
    representative_visits: int = 0
    representatives_by_office: dict[str, int] = field(default_factory=dict)
    money_pence: int = 0
    money_by_fund: list[tuple[str, str, int]] = field(default_factory=list)
    speakers: int = 0
    motions: int = 0
    messages: int = 0
    disputes_won: list[Dispute] = field(default_factory=list)
    per_dispute: list[DisputeRow] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    # Elected representatives invited to the period's picket lines, and who came.
    invitations: InvitationTally = field(default_factory=InvitationTally)


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def solidarity_report(*, clp: CLP, start: datetime.date, end: datetime.date) -> Report:
    """What the CLP did from start to end inclusive. Only confirmed visits count.

    A fixed number of queries whatever the period or the size of the tables: each figure is an
    aggregate in the database, not a loop over rows.
    """
    report = Report(start=start, end=end)
    visits = PicketVisit.objects.filter(
        clp=clp, status=VisitStatus.CONFIRMED, date__gte=start, date__lte=end
    )
    actions = SolidarityAction.objects.filter(clp=clp, date__gte=start, date__lte=end)

    # The period's visit ids first: the member and representative queries then look up a short
    # list by index, however many visits other CLPs have.
    visit_ids = list(visits.values_list("pk", flat=True))
    totals = visits.aggregate(
        n=Count("pk"), people=Sum("members_count"), banners=Count("pk", filter=Q(banner=True))
    )
    report.visits = totals["n"]
    report.attendances = totals["people"] or 0
    report.banners = totals["banners"]
    report.distinct_members = (
        PicketVisit.members.through.objects.filter(picketvisit_id__in=visit_ids)
        .values("user_id")
        .distinct()
        .count()
    )
    reps = RepresentativeAttendance.objects.filter(visit_id__in=visit_ids)
    by_office = dict(reps.values_list("office").annotate(n=Count("pk")).order_by())
    report.representatives_by_office = by_office
    report.representative_visits = sum(by_office.values())

    money = actions.filter(kind__in=MONEY_TYPES, amount_pence__isnull=False)
    report.money_pence = money.aggregate(total=Sum("amount_pence"))["total"] or 0
    report.money_by_fund = [
        (row["fund_name"] or "(no fund named)", row["union__short_name"] or "", row["total"])
        for row in money.values("fund_name", "union__short_name")
        .annotate(total=Sum("amount_pence"))
        .order_by("-total", "fund_name")
    ]
    kinds = dict(actions.values_list("kind").annotate(n=Count("pk")).order_by())
    report.speakers = kinds.get(ActionType.SPEAKER, 0)
    report.motions = kinds.get(ActionType.MOTION, 0)
    report.messages = kinds.get(ActionType.MESSAGE, 0)

    # Each dispute's figures, from three aggregates, before its row is made with the dispute.
    tallies: dict[int, dict[str, int]] = defaultdict(dict)
    for visit_row in (
        visits.values("dispute_id")
        .annotate(n=Count("pk", distinct=True), people=Sum("members_count"))
        .order_by()
    ):
        tallies[visit_row["dispute_id"]] |= {
            "visits": visit_row["n"],
            "attendances": visit_row["people"] or 0,
        }
    for rep_row in reps.values("visit__dispute_id").annotate(n=Count("pk")).order_by():
        tallies[rep_row["visit__dispute_id"]]["representatives"] = rep_row["n"]
    for action_row in (
        actions.filter(dispute__isnull=False)
        .values("dispute_id")
        .annotate(n=Count("pk"), money=Sum("amount_pence", filter=Q(kind__in=MONEY_TYPES)))
        .order_by()
    ):
        tallies[action_row["dispute_id"]] |= {
            "actions": action_row["n"],
            "money_pence": action_row["money"] or 0,
        }
    disputes = Dispute.objects.select_related("employer").in_bulk(list(tallies)) if tallies else {}
    rows = [
        DisputeRow(dispute=disputes[dispute_id], **tally) for dispute_id, tally in tallies.items()
    ]
    report.per_dispute = sorted(rows, key=lambda r: (-r.visits, -r.money_pence, r.dispute.title))
    report.disputes_supported = len(rows)
    report.disputes_won = [
        r.dispute
        for r in report.per_dispute
        if r.dispute.status in (DisputeStatus.WON, DisputeStatus.SETTLED)
    ]

    months = {m: MonthRow(month=m) for m in _months(start, end)}
    for visit_month in (
        visits.annotate(m=TruncMonth("date"))
        .values("m")
        .annotate(n=Count("pk"), people=Sum("members_count"))
        .order_by()
    ):
        month = months.get(_as_date(visit_month["m"]))
        if month:
            month.visits, month.attendances = visit_month["n"], visit_month["people"] or 0
    for money_month in (
        money.annotate(m=TruncMonth("date"))
        .values("m")
        .annotate(total=Sum("amount_pence"))
        .order_by()
    ):
        month = months.get(_as_date(money_month["m"]))
        if month:
            month.money_pence = money_month["total"] or 0
    report.months = list(months.values())
    report.invitations = invitation_tally(clp=clp, start=start, end=end)
    return report


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def picket_lines_for_days(*, clp: CLP, day_ids: list[int]) -> list[tuple[int, PicketLine]]:
    """(action day id, picket line) for the CLP's picket lines on those days, in one query."""
    through = PicketLine.action_days.through.objects.filter(
        actionday_id__in=day_ids, picketline__clp=clp
    ).select_related("picketline")
    return [(row.actionday_id, row.picketline) for row in through]


def upcoming_lines_at(
    *, clp: CLP, workplace_ids: list[int], end: datetime.date
) -> dict[int, list[PicketLine]]:
    """workplace id -> the CLP's picket lines there with a day from today to `end`."""
    from django.utils import timezone

    lines = PicketLine.objects.filter(
        clp=clp,
        workplace_id__in=workplace_ids,
        action_days__date__gte=timezone.localdate(),
        action_days__date__lte=end,
        action_days__cancelled=False,
    ).distinct()
    by_place: dict[int, list[PicketLine]] = defaultdict(list)
    for line in lines:
        if line.workplace_id is not None:  # always: the lines were chosen by their workplace
            by_place[line.workplace_id].append(line)
    return by_place
