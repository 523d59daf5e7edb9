"""What the weekly email says, read from the records, and how a digest's sending went.
Read-only."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.urls import reverse
from django.utils import timezone

from clps.models import CLP
from clps.pagination import Page, keyset_page
from pickets import selectors as pickets_selectors
from pickets.models import ActionType, SolidarityAction
from strikes import selectors as strikes_selectors
from strikes.ballot_law import assess
from strikes.models import LIVE_STATUSES, ActionDay, Ballot, Dispute, DisputeStatus, Union
from strikes.runs import Run, by_dispute, runs, short_day, with_hours

from ..models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    SubscriberStatus,
    WeeklySchedule,
)
from .schedule import Window, schedule_for, window


@dataclass
class StrikeEntry:
    """One dispute's action in the email's days: its runs, the CLP's picket lines on it, and
    one link, however many days it has."""

    dispute: Dispute
    runs: list[Run]
    url: str
    picket_lines: list = field(default_factory=list)  # the CLP's, shown under Picket lines
    later_days: int = 0  # days going ahead after the email's last day
    last_day: datetime.date | None = None  # the last of them

    @property
    def unions(self) -> str:
        return "/".join(union.short_name for union in self.dispute.unions.all())

    @property
    def going_ahead(self) -> list[ActionDay]:
        return [day for run in self.runs for day in run.going_ahead]

    @property
    def later_label(self) -> str:
        """'Then 35 more days, to Fri 29 Jan.', 'Then one more day: Fri 29 Jan.', or ''."""
        if not self.later_days or self.last_day is None:
            return ""
        if self.later_days == 1:
            return f"Then one more day: {short_day(self.last_day)}."
        return f"Then {self.later_days} more days, to {short_day(self.last_day)}."


@dataclass
class DigestContent:
    clp: CLP
    week_start: datetime.date
    note: str
    window: Window
    picket_lines: list = field(default_factory=list)
    strikes: list[StrikeEntry] = field(default_factory=list)
    ballots_open: list = field(default_factory=list)
    results: list = field(default_factory=list)
    wins: list = field(default_factory=list)
    funds: list = field(default_factory=list)
    events: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.picket_lines,
                self.strikes,
                self.ballots_open,
                self.results,
                self.wins,
                self.events,
            )
        )


def _previous_sends(clp: CLP | OuterRef, monday: datetime.date | OuterRef) -> QuerySet:
    return (
        Digest.objects.filter(clp=clp, week_start__lt=monday, status=DigestStatus.SENT)
        .order_by("-week_start")
        .values_list("send_started_at", flat=True)
    )


def with_previous_send(digests: QuerySet[Digest]) -> QuerySet[Digest]:
    """Digests read with when the CLP's previous digest that went out started (`previous_send`),
    which build_content then needs no query for."""
    return digests.annotate(
        previous_send=Subquery(_previous_sends(OuterRef("clp"), OuterRef("week_start"))[:1])
    )


def _since(digest: Digest) -> datetime.datetime:
    """News counts from the previous digest that went out, or a week back."""
    if hasattr(digest, "previous_send"):  # read with the digest: with_previous_send
        previous = digest.previous_send
    else:
        previous = _previous_sends(digest.clp, digest.week_start).first()
    monday = digest.week_start
    return previous or timezone.make_aware(
        datetime.datetime.combine(monday - datetime.timedelta(days=7), datetime.time())
    )


def build_content(
    digest: Digest,
    *,
    today: datetime.date | None = None,
    site_url: str | None = None,
    schedule: WeeklySchedule | None = None,
) -> DigestContent:
    """What the week's email says: the days it covers (schedule.window: from `today` on, when
    it goes late) and, in them, what a member can act on."""
    clp = digest.clp
    today = today or timezone.localdate()
    days = window(schedule or schedule_for(clp), digest.week_start, today=today)
    site = (site_url or settings.SITE_URL).rstrip("/")
    content = DigestContent(clp=clp, week_start=digest.week_start, note=digest.note, window=days)

    lines = list(pickets_selectors.upcoming_picket_lines(clp=clp, start=days.first, end=days.last))
    ids = strikes_selectors.clp_dispute_ids(clp)
    # A CLP with no local or followed disputes has no news of them to look up.
    action_days = (
        list(
            strikes_selectors.upcoming_action_days(
                clp=clp, start=days.first, end=days.last, dispute_ids=ids
            ).prefetch_related(None)
        )
        if ids
        else []
    )
    # The unions of the picket lines' disputes and of those striking, in one query.
    prefetch_related_objects(
        [*(line.dispute for line in lines), *(day.dispute for day in action_days)],
        Prefetch("unions", queryset=Union.objects.order_by("short_name")),
    )
    counts = pickets_selectors.signup_counts(line_ids=[line.pk for line in lines])
    for line in lines:
        going = [
            (day, counts.get((line.pk, day.pk), 0))
            for day in line.days_in_range
            if not day.cancelled
        ]
        if line.is_local and going:
            content.picket_lines.append(
                {
                    "line": line,
                    "unions": "/".join(u.short_name for u in line.dispute.unions.all()),
                    "days": going,
                    "when": with_hours(
                        runs(line.days_in_range, dates_only=True), line.start_time, line.end_time
                    ),
                    "url": site + reverse("pickets:picket_line", args=[clp.slug, line.pk]),
                }
            )
    content.picket_lines.sort(key=lambda row: (row["days"][0][0].date, row["line"].start_time))

    if ids:
        _dispute_news(digest, content, ids, action_days, today=today, site=site)
    content.events = list(
        SolidarityAction.objects.filter(
            clp=clp,
            date__gte=days.first,
            date__lte=days.last,
            kind__in=[ActionType.BENEFIT_EVENT, ActionType.SPEAKER],
        ).order_by("date")
    )
    return content


def _strikes(content: DigestContent, days: list[ActionDay], *, site: str) -> None:
    """One entry per dispute with action in the email's days: its days as runs, those with a
    picket line near you first, then by their first day."""
    last = content.window.last
    if not days:
        return
    disputes = {day.dispute_id: day.dispute for day in days}
    # The days after the email's last: how many, and the last of them.
    later: dict[int, tuple[int, datetime.date]] = {
        dispute_id: (n, last_day)
        for dispute_id, n, last_day in ActionDay.objects.filter(
            dispute_id__in=disputes, date__gt=last, cancelled=False
        )
        .values_list("dispute_id")
        .annotate(n=Count("pk"), last_day=Max("date"))
        .order_by()
    }
    lines: dict[int, list] = {}
    for row in content.picket_lines:
        lines.setdefault(row["line"].dispute_id, []).append(row)
    for dispute_id, found in by_dispute(days).items():
        later_days, last_day = later.get(dispute_id, (0, None))
        content.strikes.append(
            StrikeEntry(
                dispute=disputes[dispute_id],
                runs=found,
                url=site + reverse("strikes_public:dispute", args=[dispute_id]),
                picket_lines=lines.get(dispute_id, []),
                later_days=later_days,
                last_day=last_day,
            )
        )
    content.strikes.sort(
        key=lambda e: (not e.picket_lines, not e.going_ahead, e.runs[0].first, e.dispute.title)
    )


def _dispute_news(
    digest: Digest,
    content: DigestContent,
    ids: list[int],
    action_days: list[ActionDay],
    *,
    today: datetime.date,
    site: str,
) -> None:
    """Action days (those in the email's days, already read), ballots, results, wins and
    hardship funds of the CLP's disputes."""
    _strikes(content, action_days, site=site)
    first, last = content.window.first, content.window.last
    since = _since(digest)
    since_day = timezone.localtime(since).date()

    # Open ballots and results announced since the last email, in one query, told apart here
    # by the same conditions (each query is a round trip, and the weekly send makes one digest
    # per CLP).
    def is_open(b: Ballot) -> bool:
        return b.opens_on <= last and b.closes_on >= first

    def is_announced(b: Ballot) -> bool:
        if b.votes_cast is None or b.yes_votes is None:
            return False
        if b.result_announced_on is not None:
            return since_day <= b.result_announced_on <= today
        return since_day <= b.closes_on <= today

    announced_q = Q(votes_cast__isnull=False, yes_votes__isnull=False) & (
        Q(result_announced_on__gte=since_day, result_announced_on__lte=today)
        | Q(result_announced_on__isnull=True, closes_on__gte=since_day, closes_on__lte=today)
    )
    ballots = list(
        Ballot.objects.filter(dispute_id__in=ids)
        .filter(Q(opens_on__lte=last, closes_on__gte=first) | announced_q)
        .select_related("dispute", "union")
        .order_by("closes_on", "pk")
    )
    open_ballots = [b for b in ballots if is_open(b)]
    announced = [b for b in ballots if is_announced(b)]
    rules = strikes_selectors.rule_sets() if open_ballots or announced else []
    content.ballots_open = [(b, assess(b, rules)) for b in open_ballots]
    content.results = [(b, assess(b, rules)) for b in announced]

    # Wins since the last email and live disputes' hardship funds, in one query, the same way.
    won = (DisputeStatus.WON, DisputeStatus.SETTLED)
    disputes = list(
        Dispute.objects.filter(pk__in=ids)
        .filter(
            Q(status__in=won, updated_at__gte=since)
            | (Q(status__in=LIVE_STATUSES) & ~Q(hardship_fund_url=""))
        )
        .select_related("employer")
        .order_by("title", "pk")
    )
    content.wins = sorted(
        (d for d in disputes if d.status in won and d.updated_at >= since),
        key=lambda d: (d.updated_at, d.pk),  # Dispute's own order: the latest first
        reverse=True,
    )
    content.funds = [d for d in disputes if d.status in LIVE_STATUSES and d.hardship_fund_url]


def figures(digest: Digest) -> dict[str, int]:

    counts = dict(
        Delivery.objects.filter(digest=digest)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def outcomes(digest: Digest) -> dict[str, int]:
    """Of the digest's recipients, how many bounced (or marked it as spam) and how many
    unsubscribed. Nobody is sent anything after either, so it is counted against the last
    digest each of them was sent."""

    later = Delivery.objects.filter(subscriber=OuterRef("subscriber"), pk__gt=OuterRef("pk"))
    counts = dict(
        Delivery.objects.filter(
            digest=digest,
            status=DeliveryStatus.SENT,
            subscriber__status__in=[
                SubscriberStatus.BOUNCED,
                SubscriberStatus.COMPLAINED,
                SubscriberStatus.UNSUBSCRIBED,
            ],
        )
        .exclude(Exists(later))
        .values_list("subscriber__status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "bounced": counts.get(SubscriberStatus.BOUNCED, 0)
        + counts.get(SubscriberStatus.COMPLAINED, 0),
        "unsubscribed": counts.get(SubscriberStatus.UNSUBSCRIBED, 0),
    }


def past_digests(*, clp: CLP, before: datetime.date, cursor: str | None) -> Page:
    """The CLP's digests of earlier weeks, newest first, a page at a time."""
    return keyset_page(
        Digest.objects.filter(clp=clp, week_start__lt=before),
        order=["-week_start", "-id"],
        cursor=cursor,
        size=12,
    )


def stopped_digest(*, clp: CLP) -> Digest | None:
    """The latest weekly email that stopped sending, which waits for the TULO."""
    return (
        Digest.objects.filter(clp=clp, status=DigestStatus.STOPPED).order_by("-week_start").first()
    )


# The weekly emails that went out, for anyone to read: the archive, web versions and feed.
PUBLISHED = (DigestStatus.SENT, DigestStatus.SENDING, DigestStatus.PAUSED, DigestStatus.STOPPED)


def published(*, clp: CLP):
    # Emails sent before their web version was kept stay private: their notes were written
    # for subscribers alone.
    return Digest.objects.filter(clp=clp, status__in=PUBLISHED).exclude(web_html="")


def archive_page(*, clp: CLP, cursor: str | None) -> Page:
    """The CLP's weekly emails that went out, newest first, a page at a time."""
    return keyset_page(
        published(clp=clp).only("pk", "clp_id", "week_start", "subject", "send_started_at"),
        order=["-week_start", "-id"],
        cursor=cursor,
        size=20,
    )


def published_digest(*, clp: CLP, week_start: datetime.date) -> Digest | None:
    return published(clp=clp).filter(week_start=week_start).first()


def latest_published(*, clp: CLP, count: int = 20) -> list[Digest]:
    return list(published(clp=clp).order_by("-week_start")[:count])
