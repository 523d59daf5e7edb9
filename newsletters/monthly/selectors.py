"""What the records say about a month, gathered for the section in a fixed number of queries;
and the section's own pages' reads: its months and its versions. Read-only.

A dispute counts in the month it began, stepped up or ended (read from its edit history, not its
latest edit); a ballot in the month its result came in, or while it is open; the CLP's own
solidarity from the pickets app's report for the month.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from clps.models import CLP
from clps.pagination import Page, keyset_page
from pickets import selectors as pickets_selectors
from pickets.models import ActionType, SolidarityAction
from strikes import selectors as strikes_selectors
from strikes.ballot_law import BallotAssessment, add_months, assess
from strikes.models import (
    ENDED_STATUSES,
    ActionDay,
    Ballot,
    Dispute,
    DisputeStatus,
)

from ..models import NewsletterSection, NewsletterSectionVersion
from .schedule import first_of_month, last_day, month_bounds

ESCALATED_TO = {DisputeStatus.MANDATE_WON, DisputeStatus.TAKING_ACTION}
WIN_STATUSES = {DisputeStatus.WON, DisputeStatus.SETTLED}


@dataclass
class MonthContent:
    clp: CLP
    month: datetime.date
    calendar_url: str
    subscribe_url: str
    started: list[Dispute] = field(default_factory=list)
    escalated: list[tuple[Dispute, str]] = field(default_factory=list)
    wins: list[tuple[Dispute, str]] = field(default_factory=list)
    ended: list[tuple[Dispute, str]] = field(default_factory=list)
    strike_days: list[tuple[Dispute, list[datetime.date]]] = field(default_factory=list)
    # dispute id -> the kinds of action (strike, action short of strike) on its days in the
    # month, and in the next month.
    day_kinds: dict[int, set[str]] = field(default_factory=dict)
    coming_kinds: dict[int, set[str]] = field(default_factory=dict)
    results: list[tuple[Ballot, BallotAssessment]] = field(default_factory=list)
    voting: list[tuple[Ballot, BallotAssessment]] = field(default_factory=list)
    report: pickets_selectors.Report | None = None
    # The disputes whose picket lines the CLP's members went to, most visited first.
    visited: list[Dispute] = field(default_factory=list)
    speakers: list[SolidarityAction] = field(default_factory=list)
    motions: list[SolidarityAction] = field(default_factory=list)
    events: list[SolidarityAction] = field(default_factory=list)
    coming_days: list[tuple[Dispute, list[datetime.date]]] = field(default_factory=list)
    coming_ballots: list[tuple[Ballot, BallotAssessment]] = field(default_factory=list)
    coming_events: list[SolidarityAction] = field(default_factory=list)

    @property
    def next_month(self) -> datetime.date:
        return add_months(self.month, 1)

    @property
    def has_disputes(self) -> bool:
        return any((self.started, self.escalated, self.wins, self.ended, self.strike_days))

    @property
    def has_solidarity(self) -> bool:
        r = self.report
        return bool(
            r
            and (
                r.visits
                or r.money_pence
                or r.speakers
                or r.motions
                or r.messages
                or r.invitations.invited
            )
        ) or bool(self.events)

    @property
    def has_coming(self) -> bool:
        return any((self.coming_days, self.coming_ballots, self.coming_events))

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the month (what is coming does not count)."""
        return not (self.has_disputes or self.results or self.voting or self.has_solidarity)


def _status_changes(
    dispute_ids: list[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, str]:
    """dispute id -> the status it moved to in the month, for disputes that stepped up (to a
    mandate or to action) or ended: read from each dispute's edit history, so a change counts
    in the month it was made, not the month of the dispute's latest edit."""
    history = Dispute.history.model
    rows = list(
        history.objects.filter(id__in=dispute_ids, history_date__gte=start, history_date__lt=end)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "status", "history_type")
    )
    if not rows:
        return {}
    before = dict(
        Dispute.objects.filter(pk__in={row[0] for row in rows})
        .annotate(
            status_before=Subquery(
                history.objects.filter(id=OuterRef("pk"), history_date__lt=start)
                .order_by("-history_date", "-history_id")
                .values("status")[:1]
            )
        )
        .values_list("pk", "status_before")
    )
    moved: dict[int, str] = {}
    status: dict[int, str | None] = dict(before)
    for dispute_id, new, kind in rows:
        previous = status.get(dispute_id)
        status[dispute_id] = new
        if kind != "~" or previous is None or new == previous:
            continue  # created or deleted in the month, or edited without a change of status
        stepped_up = new in ESCALATED_TO and previous != DisputeStatus.TAKING_ACTION
        if new in ENDED_STATUSES or stepped_up:
            moved[dispute_id] = new
        elif moved.get(dispute_id) in ENDED_STATUSES and new not in ENDED_STATUSES:
            del moved[dispute_id]  # reopened after ending: not over after all
    return moved


def _action_days(
    dispute_ids: list[int], first: datetime.date, last: datetime.date
) -> tuple[list[tuple[int, list[datetime.date]]], dict[int, set[str]]]:
    """(dispute id, its days of action from `first` to `last`, in order), leaving out days
    called off; and each dispute's kinds of action on those days."""
    days = (
        ActionDay.objects.filter(
            dispute_id__in=dispute_ids, date__gte=first, date__lte=last, cancelled=False
        )
        .order_by("date")
        .values_list("dispute_id", "date", "kind")
    )
    grouped: dict[int, list[datetime.date]] = defaultdict(list)
    kinds: dict[int, set[str]] = defaultdict(set)
    for dispute_id, date, kind in days:
        kinds[dispute_id].add(kind)
        if date not in grouped[dispute_id]:
            grouped[dispute_id].append(date)
    return list(grouped.items()), dict(kinds)


def gather(*, clp: CLP, month: datetime.date, site_url: str | None = None) -> MonthContent:
    """Everything the section says about `month` for the CLP, in a fixed number of queries."""
    month = first_of_month(month)
    start, end = month_bounds(month)
    first, last = month, last_day(month)
    next_first = add_months(month, 1)
    next_last = last_day(next_first)
    site = (site_url or settings.SITE_URL).rstrip("/")
    content = MonthContent(
        clp=clp,
        month=month,
        calendar_url=site + reverse("pickets_public:calendar", args=[clp.slug]),
        subscribe_url=site + reverse("newsletters_public:subscribe", args=[clp.slug]),
    )
    ids = strikes_selectors.clp_dispute_ids(clp)
    rules = strikes_selectors.rule_sets()

    started_ids = list(
        Dispute.objects.filter(pk__in=ids, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    moved = _status_changes(ids, start, end)
    days_now, content.day_kinds = _action_days(ids, first, last)
    days_next, content.coming_kinds = _action_days(ids, next_first, next_last)
    with_result = Q(votes_cast__isnull=False, yes_votes__isnull=False)
    ballots = list(
        Ballot.objects.filter(dispute_id__in=ids)
        .filter(
            (
                with_result
                & (
                    Q(result_announced_on__gte=first, result_announced_on__lte=last)
                    | Q(result_announced_on__isnull=True, closes_on__gte=first, closes_on__lte=last)
                )
            )
            | (~with_result & Q(opens_on__lte=next_last, closes_on__gte=first))
        )
        .select_related("union")
        .order_by("closes_on", "pk")
    )
    actions = list(
        SolidarityAction.objects.filter(clp=clp, date__gte=first, date__lte=next_last)
        .filter(
            Q(kind__in=[ActionType.SPEAKER, ActionType.BENEFIT_EVENT])
            | Q(kind=ActionType.MOTION, date__lte=last)
        )
        .select_related("union")
        .order_by("date", "pk")
    )
    content.report = pickets_selectors.solidarity_report(clp=clp, start=first, end=last)
    visited_ids = [row.dispute.pk for row in content.report.per_dispute if row.visits]

    wanted = (
        set(started_ids)
        | set(moved)
        | {d for d, _ in days_now}
        | {d for d, _ in days_next}
        | {b.dispute_id for b in ballots}
        | set(visited_ids)
    )
    disputes = (
        Dispute.objects.select_related("employer")
        .prefetch_related(strikes_selectors.union_prefetch())
        .in_bulk(list(wanted))
        if wanted
        else {}
    )
    for ballot in ballots:
        ballot.dispute = disputes[ballot.dispute_id]

    for dispute_id, status in moved.items():
        dispute = disputes[dispute_id]
        if status in WIN_STATUSES:
            content.wins.append((dispute, status))
        elif status in ENDED_STATUSES:
            content.ended.append((dispute, status))
        elif dispute_id not in started_ids:
            content.escalated.append((dispute, status))
    content.started = [
        disputes[pk] for pk in started_ids if moved.get(pk) not in set(ENDED_STATUSES)
    ]
    content.strike_days = [(disputes[d], dates) for d, dates in days_now]
    content.coming_days = [(disputes[d], dates) for d, dates in days_next]
    content.visited = [disputes[pk] for pk in visited_ids]

    for ballot in ballots:
        pair = (ballot, assess(ballot, rules))
        if ballot.has_result:
            content.results.append(pair)
        elif ballot.opens_on <= last:
            # Open in the month, closing in it or later: told once, as a vote under way.
            content.voting.append(pair)
        else:
            content.coming_ballots.append(pair)

    for action in actions:
        if action.date > last:
            content.coming_events.append(action)
        elif action.kind == ActionType.SPEAKER:
            content.speakers.append(action)
        elif action.kind == ActionType.MOTION:
            content.motions.append(action)
        else:
            content.events.append(action)
    return content


# The section's pages --------------------------------------------------------------------------

SECTIONS_PER_PAGE = 12
VERSIONS_PER_PAGE = 20


def _versions(section: NewsletterSection) -> QuerySet[NewsletterSectionVersion]:
    """With who wrote and approved each and its email to the editor, as every page shows them."""
    return section.versions.select_related("created_by", "approved_by", "editor_mail")


def latest_version(section: NewsletterSection) -> NewsletterSectionVersion:
    """The section's newest version. A section is drafted with its first version
    (services.section_build), so there always is one."""
    return _versions(section).latest("number")


def section_version(
    section: NewsletterSection, *, number: int | None
) -> NewsletterSectionVersion | None:
    """Version `number` of the section, or its latest when number is None."""
    if number is None:
        return latest_version(section)
    return _versions(section).filter(number=number).first()


def versions_page(section: NewsletterSection, *, cursor: str | None) -> Page:
    """A page of the section's versions, newest first."""
    return keyset_page(_versions(section), order=["-number"], cursor=cursor, size=VERSIONS_PER_PAGE)


def sections_page(clp: CLP, *, cursor: str | None) -> Page:
    """A page of the CLP's sections, latest month first, each with its status."""
    return keyset_page(
        NewsletterSection.objects.filter(clp=clp).with_status(),
        order=["-month"],
        cursor=cursor,
        size=SECTIONS_PER_PAGE,
    )
