"""How a digest's sending went, and the weekly emails that went out, for the archive.
Read-only."""

import datetime

from django.db.models import Case, Count, Exists, F, OuterRef, Value, When

from clps.models import CLP
from clps.pagination import Page, keyset_page

from ..models import Delivery, DeliveryStatus, Digest, DigestStatus, SubscriberStatus

# Why a delivery was not sent although the email service never refused it: its subscriber was
# erased, or left the list (unsubscribed, bounced or complained) after the email was prepared.
SUBSCRIBER_GONE = "subscriber deleted"
SUBSCRIBER_LEFT = "unsubscribed, bounced or complained before it went"
WITHHELD = (SUBSCRIBER_GONE, SUBSCRIBER_LEFT)


def figures(digest: Digest) -> dict[str, int]:
    """The digest's deliveries counted by status, with "withheld" (not sent because the
    subscriber was erased or left the list meanwhile) counted apart from "failed" (refused by
    the email service)."""
    kind = Case(
        When(status=DeliveryStatus.FAILED, error__in=WITHHELD, then=Value("withheld")),
        default=F("status"),
    )
    counts = dict(
        Delivery.objects.filter(digest=digest)
        .annotate(kind=kind)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {status: counts.get(status, 0) for status in [*DeliveryStatus.values, "withheld"]}


def outcomes(digest: Digest) -> dict[str, int]:
    """Of the digest's recipients, how many bounced (or marked it as spam) and how many
    unsubscribed. Nobody is sent anything after either, so it is counted against the last
    digest each of them was sent (not one prepared for them and then withheld)."""

    later = Delivery.objects.filter(
        subscriber=OuterRef("subscriber"), pk__gt=OuterRef("pk"), status=DeliveryStatus.SENT
    )
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
