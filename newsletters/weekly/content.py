"""What the weekly email says, read from the records: the days it covers and, in them, what
a member can act on. Read-only; the weekly send reads many CLPs' at once (build_contents)."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Count,
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
from pickets import selectors as pickets_selectors
from pickets.models import ActionType, SolidarityAction
from strikes import selectors as strikes_selectors
from strikes.ballot_law import assess
from strikes.models import LIVE_STATUSES, ActionDay, Ballot, Dispute, DisputeStatus, Union
from strikes.runs import Run, by_dispute, runs, short_day, with_hours

from ..models import Digest, DigestStatus, WeeklySchedule
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
    schedules = {digest.pk: schedule} if schedule is not None else None
    return build_contents([digest], today=today, site_url=site_url, schedules=schedules)[0]


def build_contents(
    digests: list[Digest],
    *,
    today: datetime.date | None = None,
    site_url: str | None = None,
    schedules: dict[int, WeeklySchedule] | None = None,
) -> list[DigestContent]:
    """build_content for many digests (of different CLPs, as the weekly send prepares them) from
    one set of queries: each reads what all of them need, over the span of all their days, and
    each digest takes its own share in Python by the same conditions. A dispute many CLPs follow
    is read once."""
    if not digests:
        return []
    today = today or timezone.localdate()
    site = (site_url or settings.SITE_URL).rstrip("/")
    schedules = schedules or {}
    contents = [
        DigestContent(
            clp=d.clp,
            week_start=d.week_start,
            note=d.note,
            window=window(schedules.get(d.pk) or schedule_for(d.clp), d.week_start, today=today),
        )
        for d in digests
    ]
    first = min(c.window.first for c in contents)
    last = max(c.window.last for c in contents)
    clp_ids = sorted({d.clp_id for d in digests})

    lines = list(
        pickets_selectors.upcoming_picket_lines(clp=clp_ids, start=first, end=last).order_by(
            "-updated_at",
            "pk",  # PicketLine's own order, made total
        )
    )
    ids = strikes_selectors.clps_dispute_ids(clp_ids)
    everyone = sorted(set().union(*ids.values()))
    # CLPs with no local or followed disputes have no news of them to look up.
    action_days = (
        list(
            strikes_selectors.upcoming_action_days(
                clp=digests[0].clp, start=first, end=last, dispute_ids=everyone
            ).prefetch_related(None)
        )
        if everyone
        else []
    )
    # The unions of the picket lines' disputes and of those striking, in one query.
    prefetch_related_objects(
        [*(line.dispute for line in lines), *(day.dispute for day in action_days)],
        Prefetch("unions", queryset=Union.objects.order_by("short_name")),
    )
    counts = pickets_selectors.signup_counts(line_ids=[line.pk for line in lines])
    for content in contents:
        _picket_lines(content, lines, counts, site=site)

    if everyone:
        sinces = [_since(d) for d in digests]
        news = _News.read(contents, sinces, everyone, action_days, today=today)
        for digest, content, since in zip(digests, contents, sinces, strict=True):
            if own := ids.get(digest.clp_id):
                news.tell(content, own, since=since, site=site)
    events = list(
        SolidarityAction.objects.filter(
            clp_id__in=clp_ids,
            date__gte=first,
            date__lte=last,
            kind__in=[ActionType.BENEFIT_EVENT, ActionType.SPEAKER],
        ).order_by("date", "pk")
    )
    for content in contents:
        content.events = [
            e for e in events if e.clp_id == content.clp.pk and e.date in content.window
        ]
    return contents


def _picket_lines(content: DigestContent, lines: list, counts: dict, *, site: str) -> None:
    """The CLP's local picket lines with a day in the email's days, soonest first."""
    days = content.window
    clp = content.clp
    for line in lines:
        if line.clp_id != clp.pk:
            continue
        in_range = [day for day in line.days_in_range if day.date in days]
        going = [(day, counts.get((line.pk, day.pk), 0)) for day in in_range if not day.cancelled]
        if line.is_local and going:
            content.picket_lines.append(
                {
                    "line": line,
                    "unions": "/".join(u.short_name for u in line.dispute.unions.all()),
                    "days": going,
                    "when": with_hours(
                        runs(in_range, dates_only=True), line.start_time, line.end_time
                    ),
                    "url": site + reverse("pickets:picket_line", args=[clp.slug, line.pk]),
                }
            )
    content.picket_lines.sort(key=lambda row: (row["days"][0][0].date, row["line"].start_time))


def _strikes(
    content: DigestContent,
    days: list[ActionDay],
    later: dict[int, dict[datetime.date, int]],
    *,
    site: str,
) -> None:
    """One entry per dispute with action in the email's days: its days as runs, those with a
    picket line near you first, then by their first day."""
    last = content.window.last
    if not days:
        return
    disputes = {day.dispute_id: day.dispute for day in days}
    lines: dict[int, list] = {}
    for row in content.picket_lines:
        lines.setdefault(row["line"].dispute_id, []).append(row)
    for dispute_id, found in by_dispute(days).items():
        # The days after the email's last: how many, and the last of them.
        after = [(day, n) for day, n in later.get(dispute_id, {}).items() if day > last]
        content.strikes.append(
            StrikeEntry(
                dispute=disputes[dispute_id],
                runs=found,
                url=site + reverse("strikes_public:dispute", args=[dispute_id]),
                picket_lines=lines.get(dispute_id, []),
                later_days=sum(n for _, n in after),
                last_day=max((day for day, _ in after), default=None),
            )
        )
    content.strikes.sort(
        key=lambda e: (not e.picket_lines, not e.going_ahead, e.runs[0].first, e.dispute.title)
    )


WON = (DisputeStatus.WON, DisputeStatus.SETTLED)


@dataclass
class _News:
    """The disputes' news for a set of digests, each query over all of them: strike days (in the
    span of their days, already read), later days, ballots, wins and hardship funds."""

    today: datetime.date
    action_days: list[ActionDay]
    later: dict[int, dict[datetime.date, int]]
    ballots: list[Ballot]
    disputes: list[Dispute]
    rules: list | None = None  # the ballot rule sets, read when a ballot is first told

    @classmethod
    def read(
        cls,
        contents: list[DigestContent],
        sinces: list[datetime.datetime],
        ids: list[int],
        action_days: list[ActionDay],
        *,
        today: datetime.date,
    ) -> "_News":
        first = min(c.window.first for c in contents)
        last = max(c.window.last for c in contents)
        earliest = min(c.window.last for c in contents)
        since = min(sinces)
        since_day = timezone.localtime(since).date()
        striking = sorted({day.dispute_id for day in action_days})
        # Each striking dispute's days after the earliest email's last, a row a date: each
        # email counts those after its own last day.
        later: dict[int, dict[datetime.date, int]] = {}
        if striking:
            for dispute_id, date, n in (
                ActionDay.objects.filter(
                    dispute_id__in=striking, date__gt=earliest, cancelled=False
                )
                .values_list("dispute_id", "date")
                .annotate(n=Count("pk"))
                .order_by()
            ):
                later.setdefault(dispute_id, {})[date] = n
        # Open ballots and results announced since the last email, in one query, told apart
        # for each email by the same conditions (each query is a round trip).
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
        # Wins since the last email and live disputes' hardship funds, in one query, the same.
        disputes = list(
            Dispute.objects.filter(pk__in=ids)
            .filter(
                Q(status__in=WON, updated_at__gte=since)
                | (Q(status__in=LIVE_STATUSES) & ~Q(hardship_fund_url=""))
            )
            .select_related("employer")
            .order_by("title", "pk")
        )
        return cls(
            today=today,
            action_days=action_days,
            later=later,
            ballots=ballots,
            disputes=disputes,
        )

    def tell(
        self, content: DigestContent, ids: set[int], *, since: datetime.datetime, site: str
    ) -> None:
        """One digest's share: the news of its CLP's disputes, `ids`, in its days, and since
        its CLP's last email went."""
        days = content.window
        first, last, today = days.first, days.last, self.today
        _strikes(
            content,
            [d for d in self.action_days if d.dispute_id in ids and d.date in days],
            self.later,
            site=site,
        )
        since_day = timezone.localtime(since).date()

        def is_open(b: Ballot) -> bool:
            return b.opens_on <= last and b.closes_on >= first

        def is_announced(b: Ballot) -> bool:
            if b.votes_cast is None or b.yes_votes is None:
                return False
            if b.result_announced_on is not None:
                return since_day <= b.result_announced_on <= today
            return since_day <= b.closes_on <= today

        ballots = [b for b in self.ballots if b.dispute_id in ids]
        open_ballots = [b for b in ballots if is_open(b)]
        announced = [b for b in ballots if is_announced(b)]
        if (open_ballots or announced) and self.rules is None:
            self.rules = strikes_selectors.rule_sets()
        content.ballots_open = [(b, assess(b, self.rules or [])) for b in open_ballots]
        content.results = [(b, assess(b, self.rules or [])) for b in announced]
        disputes = [d for d in self.disputes if d.pk in ids]
        content.wins = sorted(
            (d for d in disputes if d.status in WON and d.updated_at >= since),
            key=lambda d: (d.updated_at, d.pk),  # Dispute's own order: the latest first
            reverse=True,
        )
        content.funds = [d for d in disputes if d.status in LIVE_STATUSES and d.hardship_fund_url]
