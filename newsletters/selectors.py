"""Reads for the weekly email's subscribers."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from clps.models import CLP

from .models import TOKEN_MAX_LENGTH, Subscriber, SubscriberStatus, Suppression


def active_subscribers(clp: CLP) -> QuerySet[Subscriber]:
    """Who gets the CLP's weekly email: confirmed, and not on the suppression list for this
    CLP or for every CLP."""
    return active_subscribers_of([clp.pk])


def active_subscribers_of(clp_ids: list[int]) -> QuerySet[Subscriber]:
    """active_subscribers() of several CLPs at once, each checked against its own CLP's
    suppression list and the one for every CLP.

    One query: the (clp, status, id) index finds the confirmed subscribers in id order, and a
    NOT EXISTS on the indexed Suppression.email_hash, joined on Subscriber.email_hash, drops
    the suppressed, so nothing is hashed in Python however many subscribers there are.
    """
    suppressed = Suppression.objects.filter(email_hash=OuterRef("email_hash")).filter(
        Q(clp=OuterRef("clp")) | Q(clp__isnull=True)
    )
    return (
        Subscriber.objects.filter(clp__in=clp_ids, status=SubscriberStatus.ACTIVE)
        .filter(~Exists(suppressed))
        .order_by("id")
    )


def subscriber_for_token(*, token: str) -> Subscriber | None:
    """The subscription a link in an email opens; None for an unknown or malformed token."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return Subscriber.objects.select_related("clp").filter(token=token).first()
