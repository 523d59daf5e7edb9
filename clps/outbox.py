"""The outbox: every one-off email is an OutgoingMail row, rendered and written in the
transaction that causes it, and sent after commit by one task through the one builder.

Each row is claimed (queued to sending) by one UPDATE before it goes, so a repeated task, a
second worker or the tick's sweep never send it twice. A row that a worker claimed and never
finished is not sent again (it may have gone); after SENDING_STUCK_AFTER it shows as failed, and
the TULO can send it again from the CLP's outbox page."""

import datetime
import logging
from collections.abc import Iterable, Iterator
from functools import partial

from celery import shared_task
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from .mail import build_email, compose, is_permanent
from .models import CLP, MailStatus, OutgoingMail

logger = logging.getLogger(__name__)

# A queued row whose task was lost (the broker was down at commit) is enqueued again after this;
# a row waiting for a retry, only once its retry is overdue (the longest wait is an hour).
QUEUED_LOST_AFTER = datetime.timedelta(minutes=2)
RETRY_LOST_AFTER = datetime.timedelta(minutes=70)
# A row claimed this long ago by a worker that never finished is marked failed.
SENDING_STUCK_AFTER = datetime.timedelta(minutes=10)
STUCK_ERROR = "The worker stopped while sending it: it may not have gone."


def queue_email(
    name: str,
    *,
    to: str,
    context: dict,
    clp: CLP | int | None = None,
    headers: dict[str, str] | None = None,
    reply_to: str = "",
    attachments: list[dict[str, str]] | None = None,
) -> OutgoingMail:
    """Render the email to one person now and write it; it is sent once the caller's
    transaction commits."""
    message = build_email(name, to=[to], context=context, headers=headers)
    mail = OutgoingMail.objects.create(
        clp_id=clp.pk if isinstance(clp, CLP) else clp,
        kind=name,
        to=to,
        reply_to=reply_to,
        # A subject is one line, cut to the column rather than losing the email (and with it
        # the rest of a run of reminders) to a place name too long to fit.
        subject=str(message.subject)[: OutgoingMail._meta.get_field("subject").max_length],
        text=str(message.body),
        # django-stubs types alternatives as plain tuples; Django keeps EmailAlternative ones.
        html=message.alternatives[0].content,  # type: ignore[attr-defined]
        headers=headers or {},
        attachments=attachments or [],
    )
    _enqueue_on_commit(mail.pk)
    return mail


def claim_each[M: models.Model](
    model: type[M], ids: Iterable[int], *, now: datetime.datetime, related: tuple[str, ...]
) -> Iterator[M]:
    """Rows due an email of their own, each claimed (its `reminder_sent_at` set where it was
    empty) and given, with `related` loaded, inside the transaction that writes its email to
    the outbox: a second run, or two workers at once, write one email a row."""
    for pk in ids:
        with transaction.atomic():
            unclaimed = model._default_manager.filter(pk=pk, reminder_sent_at__isnull=True)
            if unclaimed.update(reminder_sent_at=now):
                yield model._default_manager.select_related(*related).get(pk=pk)


def _enqueue_on_commit(mail_id: int) -> None:
    """Queue the send once the row is committed. Robust: when the broker is down, what the
    person did still stands, and the tick's sweep sends the row once the broker is back."""
    transaction.on_commit(partial(send_outgoing_mail.delay, mail_id), robust=True)


def _message(mail: OutgoingMail):
    message = compose(
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        to=[mail.to],
        headers=mail.headers,
        reply_to=[mail.reply_to] if mail.reply_to else None,
    )
    for attachment in mail.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def send(mail_id: int, *, final: bool = False) -> bool:
    """Send the row if it is still queued; whether this call sent it.

    A temporary failure of the email service puts it back in the queue and raises, for the
    task to retry; a permanent one (or the last try, `final`) marks it failed."""
    now = timezone.now()
    claimed = OutgoingMail.objects.filter(pk=mail_id, status=MailStatus.QUEUED).update(
        status=MailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    mail = OutgoingMail.objects.get(pk=mail_id)
    try:
        _message(mail).send()
    except Exception as exc:
        failed = final or is_permanent(exc)
        OutgoingMail.objects.filter(pk=mail_id).update(
            status=MailStatus.FAILED if failed else MailStatus.QUEUED, error=str(exc)[:300]
        )
        logger.warning("outgoing mail %s (%s) not sent: %s", mail_id, mail.kind, exc)
        if failed:
            return False
        raise
    OutgoingMail.objects.filter(pk=mail_id).update(
        status=MailStatus.SENT, sent_at=timezone.now(), error=""
    )
    return True


def send_again(*, mail: OutgoingMail) -> bool:
    """The TULO sends a failed email again; False if it had not failed."""
    with transaction.atomic():
        requeued = OutgoingMail.objects.filter(pk=mail.pk, status=MailStatus.FAILED).update(
            status=MailStatus.QUEUED, error=""
        )
        if requeued:
            _enqueue_on_commit(mail.pk)
    return bool(requeued)


def withdraw_unsent(*, email: str, kinds: list[str], clp: CLP | None = None) -> int:
    """Emails of these kinds to the address that wait or failed are not to be sent after all
    (the person asked for no more): they go, from `clp`, or from every CLP when clp is None."""
    rows = OutgoingMail.objects.filter(
        to__iexact=email, kind__in=kinds, status__in=[MailStatus.QUEUED, MailStatus.FAILED]
    )
    if clp is not None:
        rows = rows.filter(clp=clp)
    deleted, _ = rows.delete()
    return deleted


def sweep(now: datetime.datetime) -> list[int]:
    """For the tick: rows stuck in sending are marked failed; ids of rows queued so long ago
    that their task was lost, for the caller to enqueue again."""
    OutgoingMail.objects.filter(
        status=MailStatus.SENDING, claimed_at__lt=now - SENDING_STUCK_AFTER
    ).update(status=MailStatus.FAILED, error=STUCK_ERROR)
    never_tried = Q(attempts=0, created_at__lt=now - QUEUED_LOST_AFTER)
    retry_overdue = Q(attempts__gt=0, claimed_at__lt=now - RETRY_LOST_AFTER)
    return list(
        OutgoingMail.objects.filter(Q(status=MailStatus.QUEUED) & (never_tried | retry_overdue))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )


@shared_task(name="clps.send_outgoing_mail", bind=True, acks_late=True, max_retries=8)
def send_outgoing_mail(self, mail_id: int) -> bool:
    """Send one outbox row; while the email service fails, retried with growing waits (about
    four hours in all), then marked failed for the TULO to see."""
    try:
        return send(mail_id, final=self.request.retries >= self.max_retries)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc
