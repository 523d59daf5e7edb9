"""Subscriptions to a CLP's weekly strikes-and-ballots email: sign-up with double opt-in,
confirmation, changes, unsubscribing, the suppression list, and the links every email carries.

Each write runs in one transaction; the confirmation email is sent only after it commits.
"""

import datetime
import enum
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from clps.audit import record_counts, record_event
from clps.mail import list_id
from clps.models import CLP, AuditAction
from clps.outbox import queue_email, withdraw_unsent

from .models import (
    CONSENT_WORDING_VERSION,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    email_hash,
)

logger = logging.getLogger(__name__)

# An unconfirmed sign-up's link works this long after the latest request; then the row is
# deleted (delete_stale_pending), so an address someone else typed in is not kept.
PENDING_LIFETIME = datetime.timedelta(days=30)

CONSENT_METHOD_WEB_FORM = "web form"
CONSENT_METHOD_SUBSCRIBE_AGAIN = "subscribe-again link"


def normalise_email(email: str) -> str:
    """Trimmed, with the domain in lower case (the part before @ is the mailbox's business)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else email.strip()


# Links in emails ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def confirm_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("newsletters_public:confirm", args=[subscriber.token]))


def manage_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("newsletters_public:manage", args=[subscriber.token]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return _absolute(reverse("newsletters_public:unsubscribe", args=[subscriber.token]))


def list_unsubscribe_headers(subscriber: Subscriber) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail programs show an Unsubscribe button that POSTs to
    the link with no cookie, so the token in it is the only key. No mailto: address is given,
    as nobody reads one: the one-click link is the way out."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def list_id_header(clp: CLP) -> dict[str, str]:
    """RFC 2919: the CLP's weekly email is a list of its own, which mail programs can filter."""
    return {"List-Id": list_id(name=f"{clp.name} weekly email", key=f"{clp.slug}.weekly")}


# The suppression list -------------------------------------------------------------------------


def _suppressions_for(clp: CLP | None) -> QuerySet[Suppression]:
    scope = Q(clp__isnull=True) if clp is None else Q(clp=clp) | Q(clp__isnull=True)
    return Suppression.objects.filter(scope)


def is_suppressed(*, clp: CLP | None, email: str) -> bool:
    """Whether the address must not be emailed by this CLP: it unsubscribed from this CLP, or
    bounced or complained anywhere."""
    return _suppressions_for(clp).filter(email_hash=email_hash(email)).exists()


# The one-off emails about a subscription, which a suppression stops as it stops the list's.
SUBSCRIPTION_EMAILS = ["confirm_subscription", "already_subscribed"]


def suppress(*, email: str, reason: str, clp: CLP | None = None) -> Suppression:
    """Never email the address again: from `clp`, or from every CLP when clp is None. Only its
    keyed hash is kept. Suppressing twice changes nothing."""
    suppression, created = Suppression.objects.get_or_create(
        email_hash=email_hash(email), clp=clp, reason=SuppressionReason(reason)
    )
    # A confirmation still waiting, or failed and waiting for the TULO's Send again, is not
    # to go now either.
    withdraw_unsent(email=email, kinds=SUBSCRIPTION_EMAILS, clp=clp)
    if created:
        record_event(
            action=AuditAction.SUPPRESSED,
            clp=clp,
            object_type="suppression",
            object_id=suppression.pk,
        )
    return suppression


# Signing up -----------------------------------------------------------------------------------


class SignupOutcome(enum.StrEnum):
    """What a sign-up did. The visitor sees the same page whatever it is."""

    CONFIRMATION_SENT = "confirmation sent"
    ALREADY_SUBSCRIBED = "already subscribed"  # told so by email, nothing changed
    SUPPRESSED = "suppressed"  # nothing saved, nothing sent


def _record(action: str, subscriber: Subscriber) -> None:
    """The subscriber acted through a link or form of their own: no signed-in actor."""
    record_event(
        action=action, clp=subscriber.clp_id, object_type="subscriber", object_id=subscriber.pk
    )


def _email_subscriber(name: str, subscriber: Subscriber) -> None:
    """A confirmation or notice to one subscriber, written with the change that causes it."""
    context = {
        "clp": subscriber.clp,
        "confirm_url": confirm_url(subscriber),
        "manage_url": manage_url(subscriber),
        "unsubscribe_url": unsubscribe_url(subscriber),
        "days": PENDING_LIFETIME.days,
    }
    headers = list_id_header(subscriber.clp)
    if subscriber.status == SubscriberStatus.ACTIVE:
        headers |= list_unsubscribe_headers(subscriber)
    queue_email(name, to=subscriber.email, clp=subscriber.clp_id, context=context, headers=headers)


@transaction.atomic
def subscribe(
    *,
    clp: CLP,
    email: str,
    name: str = "",
    postcode: str = "",
    consent_wording_version: str = CONSENT_WORDING_VERSION,
    consent_method: str = CONSENT_METHOD_WEB_FORM,
) -> SignupOutcome:
    """Ask to subscribe `email` to the CLP's weekly email: a new or waiting sign-up is (re)set
    to pending with this consent and sent a confirmation link.

    An address on the suppression list is neither saved nor emailed. A subscriber already
    confirmed is changed in nothing and told by email, so the form reveals nothing about who
    is subscribed.
    """
    email = normalise_email(email)
    if is_suppressed(clp=clp, email=email):
        return SignupOutcome.SUPPRESSED
    hashed = email_hash(email)
    now = timezone.now()
    # Found as the unique constraint finds it, lower-cased, so a row saved without its hash
    # (demo data, a test) is found too, and mended below.
    existing = (
        Subscriber.objects.select_for_update()
        .alias(email_lower=Lower("email"))
        .filter(clp=clp, email_lower=email.lower())
    )
    subscriber: Subscriber | None = existing.first()
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(
                    clp=clp,
                    email=email,
                    email_hash=hashed,
                    name=name,
                    postcode=postcode,
                    status=SubscriberStatus.PENDING,
                    consent_at=now,
                    consent_method=consent_method,
                    consent_wording_version=consent_wording_version,
                )
        except IntegrityError:  # the same address sent twice at once: the first one won
            subscriber = existing.get()
        else:
            _record(AuditAction.SUBSCRIBED, subscriber)
            _email_subscriber("confirm_subscription", subscriber)
            return SignupOutcome.CONFIRMATION_SENT
    if subscriber.email_hash != hashed:
        Subscriber.objects.filter(pk=subscriber.pk).update(email_hash=hashed)
        subscriber.email_hash = hashed

    if subscriber.status == SubscriberStatus.ACTIVE:
        _email_subscriber("already_subscribed", subscriber)
        return SignupOutcome.ALREADY_SUBSCRIBED
    if subscriber.status in (SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED):
        # Its suppression row should have stopped us above; the status alone is enough.
        return SignupOutcome.SUPPRESSED
    # Pending (perhaps expired), or unsubscribed with no suppression left: ask again.
    subscriber.status = SubscriberStatus.PENDING
    subscriber.name = name or subscriber.name
    subscriber.postcode = postcode or subscriber.postcode
    subscriber.consent_at = now
    subscriber.consent_method = consent_method
    subscriber.consent_wording_version = consent_wording_version
    subscriber.unsubscribed_at = None
    subscriber.save()
    _record(AuditAction.SUBSCRIBED, subscriber)
    _email_subscriber("confirm_subscription", subscriber)
    return SignupOutcome.CONFIRMATION_SENT


# Confirming, changing, leaving ------------------------------------------------------------------


def is_expired(subscriber: Subscriber, *, now: datetime.datetime | None = None) -> bool:
    """A pending sign-up whose latest request is older than PENDING_LIFETIME."""
    now = now or timezone.now()
    return (
        subscriber.status == SubscriberStatus.PENDING
        and subscriber.consent_at < now - PENDING_LIFETIME
    )


class ConfirmOutcome(enum.StrEnum):
    SUBSCRIBED = "subscribed"
    ALREADY_SUBSCRIBED = "already subscribed"
    EXPIRED = "expired"
    BLOCKED = "blocked"  # bounced or marked as spam: we will not email it


@transaction.atomic
def subscription_confirm(*, subscriber: Subscriber) -> ConfirmOutcome:
    """The subscriber pressed Confirm (double opt-in), or Subscribe again after leaving.

    Subscribing again is a fresh consent, given by pressing the button beside its wording; it
    lifts this CLP's unsubscribe suppression, never a bounce or complaint.
    """
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    now = timezone.now()
    if subscriber.status == SubscriberStatus.ACTIVE:
        return ConfirmOutcome.ALREADY_SUBSCRIBED
    if subscriber.status in (SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED):
        return ConfirmOutcome.BLOCKED
    if is_expired(subscriber, now=now):
        return ConfirmOutcome.EXPIRED
    hashed = email_hash(subscriber.email)
    if _suppressions_for(None).filter(email_hash=hashed).exists():
        return ConfirmOutcome.BLOCKED
    # Pressing the button is the address holder asking for the email: lift their unsubscribe.
    Suppression.objects.filter(
        email_hash=hashed,
        clp=subscriber.clp_id,
        reason=SuppressionReason.UNSUBSCRIBED,
    ).delete()
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        subscriber.consent_at = now
        subscriber.consent_method = CONSENT_METHOD_SUBSCRIBE_AGAIN
        subscriber.consent_wording_version = CONSENT_WORDING_VERSION
        subscriber.unsubscribed_at = None
    subscriber.email_hash = hashed
    subscriber.status = SubscriberStatus.ACTIVE
    subscriber.confirmed_at = now
    subscriber.save()
    _record(AuditAction.CONFIRMED, subscriber)
    return ConfirmOutcome.SUBSCRIBED


@transaction.atomic
def subscriber_update(*, subscriber: Subscriber, name: str, postcode: str) -> Subscriber:
    Subscriber.objects.filter(pk=subscriber.pk).update(name=name, postcode=postcode)
    subscriber.name, subscriber.postcode = name, postcode
    _record(AuditAction.DETAILS_CHANGED, subscriber)
    return subscriber


@transaction.atomic
def unsubscribe(*, subscriber: Subscriber) -> None:
    """Stop the weekly email to this subscriber and keep the address off this CLP's list.
    Safe to repeat: a second call changes nothing."""
    changed = (
        Subscriber.objects.filter(pk=subscriber.pk)
        .exclude(status=SubscriberStatus.UNSUBSCRIBED)
        .update(status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    )
    if changed:
        _record(AuditAction.UNSUBSCRIBED, subscriber)
    Suppression.objects.get_or_create(
        email_hash=email_hash(subscriber.email),
        clp_id=subscriber.clp_id,
        reason=SuppressionReason.UNSUBSCRIBED,
    )
    subscriber.refresh_from_db(fields=["status", "unsubscribed_at"])


# Retention ------------------------------------------------------------------------------------


def pending_delete_stale(*, now: datetime.datetime | None = None) -> int:
    """Delete sign-ups never confirmed, created more than PENDING_LIFETIME ago and not asked
    for again since. Returns how many went."""
    cutoff = (now or timezone.now()) - PENDING_LIFETIME
    stale = Subscriber.objects.filter(
        status=SubscriberStatus.PENDING, created_at__lt=cutoff, consent_at__lt=cutoff
    )
    with transaction.atomic():
        per_clp = dict(stale.values_list("clp_id").annotate(n=Count("pk")).order_by())
        _, deleted = stale.delete()
        record_counts(action=AuditAction.PENDING_EXPIRED, counts=per_clp, object_type="subscriber")
    return deleted.get(Subscriber._meta.label, 0)


# Bounces and complaints reported by the email service -------------------------------------------


@transaction.atomic
def subscriber_bounced(*, email: str, reason: str) -> int:
    """The email service reports a hard bounce (reason "bounced") or a spam complaint
    ("complained") for the address: never email it again from any CLP, and mark every CLP's
    subscriber with that address so. Returns how many subscribers changed; a repeat changes
    nothing. A bounce never overwrites a complaint: the complaint says more."""
    reason = SuppressionReason(reason)
    if reason == SuppressionReason.BOUNCED:
        status, keep = (
            SubscriberStatus.BOUNCED,
            [SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED],
        )
    elif reason == SuppressionReason.COMPLAINED:
        status, keep = SubscriberStatus.COMPLAINED, [SubscriberStatus.COMPLAINED]
    else:
        raise ValueError(f"Not a bounce or complaint: {reason!r}")
    email = normalise_email(email)
    hashed = email_hash(email)
    suppress(email=email, reason=reason)
    # Found by hash, or as the unique constraint finds it, lower-cased, so a row saved without
    # its hash is found too.
    subscribers = Subscriber.objects.alias(email_lower=Lower("email")).filter(
        Q(email_hash=hashed) | Q(email_lower=email.lower())
    )
    subscribers.exclude(email_hash=hashed).update(email_hash=hashed)
    changing = subscribers.exclude(status__in=keep)
    action = AuditAction.BOUNCED if status == SubscriberStatus.BOUNCED else AuditAction.COMPLAINED
    for subscriber_id, clp_id in changing.values_list("pk", "clp_id"):
        record_event(action=action, clp=clp_id, object_type="subscriber", object_id=subscriber_id)
    return changing.update(status=status)
