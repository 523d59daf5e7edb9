"""Sending a CLP's weekly digest: one delivery row per subscriber, claimed in batches, marked in
flight, then sent or failed. Every step can run again without sending anyone a second copy."""

import datetime
import logging

from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .digest import build_content, personalise, render, schedule_for
from .models import Delivery, DeliveryStatus, Digest, DigestStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


def prepare(digest_id: int, *, now: datetime.datetime | None = None) -> Digest:
    """Render the digest once and create its deliveries, unless held, sent or already sending.

    Skips a week with nothing to say when the CLP asks for that.
    """
    from .selectors import active_subscribers

    now = now or timezone.now()
    with transaction.atomic():
        digest = Digest.objects.select_for_update().select_related("clp").get(pk=digest_id)
        if digest.status != DigestStatus.DRAFT:
            return digest
        content = build_content(digest)
        if content.is_empty and not digest.note and schedule_for(digest.clp).skip_empty:
            digest.status, digest.finished_at = DigestStatus.SKIPPED, now
            digest.save(update_fields=["status", "finished_at"])
            return digest
        rendered = render(content)
        digest.subject, digest.text, digest.html = rendered.subject, rendered.text, rendered.html
        digest.built_at = digest.send_started_at = now
        digest.status = DigestStatus.SENDING
        digest.save()
        Delivery.objects.bulk_create(
            [
                Delivery(digest=digest, subscriber_id=pk)
                for pk in active_subscribers(digest.clp).values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
    return digest


def _claim(digest: Digest, size: int) -> list[Delivery]:
    with transaction.atomic():
        batch = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(digest=digest, status=DeliveryStatus.QUEUED)
            .select_related("subscriber")
            .order_by("id")[:size]
        )
        if batch:
            Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
                status=DeliveryStatus.IN_FLIGHT, claimed_at=timezone.now()
            )
    return batch


def message_for(digest: Digest, delivery: Delivery) -> EmailMultiAlternatives:
    from .services import list_unsubscribe_headers, manage_url, unsubscribe_url

    subscriber = delivery.subscriber
    links = {"unsubscribe_url": unsubscribe_url(subscriber), "manage_url": manage_url(subscriber)}
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=personalise(digest.text, **links),
        to=[subscriber.email],
        headers=list_unsubscribe_headers(subscriber),
    )
    message.attach_alternative(personalise(digest.html, **links), "text/html")
    return message


def send_batch(digest: Digest, *, size: int = BATCH_SIZE) -> int:
    """Claim and send one batch. Returns how many were sent; 0 when none are left."""
    batch = [d for d in _claim(digest, size) if d.subscriber_id is not None]
    if not batch:
        return 0
    messages = [message_for(digest, d) for d in batch]
    try:
        mail.mailers.default.send_messages(messages)
    except Exception as exc:
        Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
            status=DeliveryStatus.QUEUED, error=str(exc)[:300]
        )
        raise
    now = timezone.now()
    Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
        status=DeliveryStatus.SENT, sent_at=now, error=""
    )
    return len(batch)


def send_all(digest_id: int) -> int:
    """Prepare the digest and send every delivery still queued; returns how many went."""
    digest = prepare(digest_id)
    if digest.status == DigestStatus.PAUSED:  # a retry after the email service failed
        Digest.objects.filter(pk=digest.pk, status=DigestStatus.PAUSED).update(
            status=DigestStatus.SENDING
        )
        digest.status = DigestStatus.SENDING
    if digest.status != DigestStatus.SENDING:
        return 0
    sent = 0
    while count := send_batch(digest):
        sent += count
    left = Delivery.objects.filter(
        digest=digest, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.IN_FLIGHT]
    ).exists()
    if not left:
        Digest.objects.filter(pk=digest.pk, status=DigestStatus.SENDING).update(
            status=DigestStatus.SENT, finished_at=timezone.now()
        )
    return sent


def figures(digest: Digest) -> dict[str, int]:
    from django.db.models import Count

    counts = dict(
        Delivery.objects.filter(digest=digest)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def pause(digest_id: int, reason: str) -> None:
    """Say on the TULO's page that sending waits for the email service."""
    Digest.objects.filter(pk=digest_id, status=DigestStatus.SENDING).update(
        status=DigestStatus.PAUSED
    )
    logger.warning("digest %s paused: %s", digest_id, reason)


def requeue_stuck(now: datetime.datetime, *, after: datetime.timedelta) -> int:
    """Deliveries claimed by a worker that died mid-batch go back in the queue."""
    return Delivery.objects.filter(
        status=DeliveryStatus.IN_FLIGHT, claimed_at__lt=now - after
    ).update(status=DeliveryStatus.QUEUED)
