"""What a CLP's emails hold about a person, offered to the privacy app: subscriptions (found by
address, not through an account) with the emails sent to each, the do-not-email list, and how
long an unconfirmed sign-up is kept."""

import datetime
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from clps.audit import record_event
from clps.models import AuditAction, User
from clps.personal_data import iso_day, iso_time
from privacy.registry import AddressRecord, Erasure, Person, PersonalData

from .models import (
    CONSENT_WORDING,
    CONSENT_WORDING_VERSION,
    Delivery,
    Subscriber,
    Suppression,
    SuppressionReason,
    email_hash,
)
from .services import PENDING_LIFETIME, pending_delete_stale, suppress


def _subscribers(person: Person) -> list[Subscriber]:
    return [r for r in person.records if isinstance(r, Subscriber)]


def _subscriptions(subscribers: list[Subscriber]) -> list[dict]:
    deliveries: dict[int | None, list[dict]] = {}
    for d in (
        Delivery.objects.filter(subscriber__in=subscribers)
        .select_related("digest")
        .order_by("digest__week_start", "pk")
    ):
        deliveries.setdefault(d.subscriber_id, []).append(
            {
                "email_for_week_of": iso_day(d.digest.week_start),
                "subject": d.digest.subject,
                "status": d.get_status_display(),
                "sent_at": iso_time(d.sent_at),
            }
        )
    return [
        {
            "clp": s.clp.name,
            "email": s.email,
            "name": s.name,
            "postcode": s.postcode,
            "status": s.get_status_display(),
            "consent": {
                "given_at": iso_time(s.consent_at),
                "how": s.consent_method,
                "wording_version": s.consent_wording_version,
                "wording": CONSENT_WORDING
                if s.consent_wording_version == CONSENT_WORDING_VERSION
                else None,
            },
            "asked_at": iso_time(s.created_at),
            "confirmed_at": iso_time(s.confirmed_at),
            "unsubscribed_at": iso_time(s.unsubscribed_at),
            "emails_sent": deliveries.get(s.pk, []),
        }
        for s in subscribers
    ]


def _suppression(person: Person) -> list[dict]:
    hashes = [email_hash(e) for e in person.emails]
    qs = Suppression.objects.filter(email_hash__in=hashes).select_related("clp")
    if person.clp is not None:
        qs = qs.filter(Q(clp=person.clp) | Q(clp__isnull=True))
    return [
        {
            "never_email_from": s.clp.name if s.clp else "every CLP",
            "reason": s.get_reason_display(),
            "since": iso_time(s.created_at),
        }
        for s in qs.order_by("created_at")
    ]


class NewslettersPersonalData(PersonalData):
    review = (("subscriptions", "Subscriptions"),)

    def held_by_address(self, *, emails: list[str]) -> list[AddressRecord]:
        # By hash or as the unique constraint finds it, lower-cased: rows saved without a hash
        # (demo data, older rows) are found too.
        subscribers = Subscriber.objects.alias(email_lower=Lower("email")).filter(
            Q(email_lower__in=[e.lower() for e in emails])
            | Q(email_hash__in=[email_hash(e) for e in emails])
        )
        return list(subscribers.select_related("clp").order_by("clp__name", "pk"))

    def export(self, *, person: Person) -> dict[str, Any]:
        return {
            "subscriptions": _subscriptions(_subscribers(person)),
            "do_not_email_list": _suppression(person),
        }

    def erase(self, *, person: Person, by: User, result: Erasure) -> None:
        """The subscriptions go, each leaving an audit row by number; the addresses go on the
        do-not-email list of every CLP."""
        subscribers = _subscribers(person)
        for subscriber in subscribers:
            record_event(
                action=AuditAction.SUBSCRIBER_ERASED,
                clp=subscriber.clp_id,
                actor=by,
                object_type="subscriber",
                object_id=subscriber.pk,
            )
            subscriber.delete()
        result.count("subscriptions", len(subscribers))
        for address in person.emails:
            suppress(email=address, reason=SuppressionReason.UNSUBSCRIBED, clp=None)

    def retention(self, *, now: datetime.datetime | None = None) -> dict[str, int]:
        return {"unconfirmed_subscriptions": pending_delete_stale(now=now)}

    def notice(self) -> dict[str, int]:
        return {"pending_days": PENDING_LIFETIME.days}
