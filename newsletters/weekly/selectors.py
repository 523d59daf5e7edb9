"""What the weekly email says, read from the records, and how a digest's sending went.
Read-only."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from clps.models import CLP
from clps.pagination import Page, keyset_page
from pickets import selectors as pickets_selectors
from pickets.models import ActionType, SolidarityAction
from strikes import selectors as strikes_selectors
from strikes.ballot_law import assess
from strikes.models import LIVE_STATUSES, Ballot, Dispute, DisputeStatus

from ..models import Delivery, DeliveryStatus, Digest, DigestStatus, SubscriberStatus


@dataclass
class DigestContent:
    clp: CLP
    week_start: datetime.date
    note: str
    picket_lines: list = field(default_factory=list)
    action_days: list = field(default_factory=list)
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
                self.action_days,
                self.ballots_open,
                self.results,
                self.wins,
                self.events,
            )
        )


def _since(clp: CLP, monday: datetime.date) -> datetime.datetime:
    """News counts from the previous digest that went out, or a week back."""
    previous = (
        Digest.objects.filter(clp=clp, week_start__lt=monday, status=DigestStatus.SENT)
        .order_by("-week_start")
        .values_list("send_started_at", flat=True)
        .first()
    )
    return previous or timezone.make_aware(
        datetime.datetime.combine(monday - datetime.timedelta(days=7), datetime.time())
    )


def build_content(
    digest: Digest, *, today: datetime.date | None = None, site_url: str | None = None
) -> DigestContent:
    clp = digest.clp
    today = today or max(timezone.localdate(), digest.week_start)
    end = digest.week_start + datetime.timedelta(days=13)
    site = (site_url or settings.SITE_URL).rstrip("/")
    content = DigestContent(clp=clp, week_start=digest.week_start, note=digest.note)

    lines = list(pickets_selectors.upcoming_picket_lines(clp=clp, start=today, end=end))
    counts = pickets_selectors.signup_counts(line_ids=[line.pk for line in lines])
    for line in lines:
        days = [
            (day, counts.get((line.pk, day.pk), 0))
            for day in line.days_in_range
            if not day.cancelled
        ]
        if line.is_local and days:
            content.picket_lines.append(
                {
                    "line": line,
                    "days": days,
                    "url": site + reverse("pickets:picket_line", args=[clp.slug, line.pk]),
                }
            )
    content.picket_lines.sort(key=lambda row: (row["days"][0][0].date, row["line"].start_time))

    ids = strikes_selectors.clp_dispute_ids(clp)
    if ids:  # a CLP with no local or followed disputes has no news of them to look up
        _dispute_news(content, ids, today=today, end=end, site=site)
    content.events = list(
        SolidarityAction.objects.filter(
            clp=clp,
            date__gte=today,
            date__lte=end,
            kind__in=[ActionType.BENEFIT_EVENT, ActionType.SPEAKER],
        ).order_by("date")
    )
    return content


def _dispute_news(
    content: DigestContent, ids: list[int], *, today: datetime.date, end: datetime.date, site: str
) -> None:
    """Action days, ballots, results, wins and hardship funds of the CLP's disputes."""
    for day in strikes_selectors.upcoming_action_days(
        clp=content.clp, start=today, end=end, dispute_ids=ids
    ):
        content.action_days.append(
            {"day": day, "url": site + reverse("strikes_public:dispute", args=[day.dispute_id])}
        )

    open_ballots = list(
        Ballot.objects.filter(dispute_id__in=ids, opens_on__lte=end, closes_on__gte=today)
        .select_related("dispute", "union")
        .order_by("closes_on")
    )
    since = _since(content.clp, content.week_start)
    since_day = timezone.localtime(since).date()
    announced = list(
        Ballot.objects.filter(dispute_id__in=ids, votes_cast__isnull=False, yes_votes__isnull=False)
        .filter(
            Q(result_announced_on__gte=since_day, result_announced_on__lte=today)
            | Q(result_announced_on__isnull=True, closes_on__gte=since_day, closes_on__lte=today)
        )
        .select_related("dispute", "union")
        .order_by("closes_on")
    )
    rules = strikes_selectors.rule_sets() if open_ballots or announced else []
    content.ballots_open = [(b, assess(b, rules)) for b in open_ballots]
    content.results = [(b, assess(b, rules)) for b in announced]

    content.wins = list(
        Dispute.objects.filter(
            pk__in=ids,
            status__in=[DisputeStatus.WON, DisputeStatus.SETTLED],
            updated_at__gte=since,
        ).select_related("employer")
    )
    content.funds = list(
        Dispute.objects.filter(pk__in=ids, status__in=LIVE_STATUSES)
        .exclude(hardship_fund_url="")
        .order_by("title")
    )


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
