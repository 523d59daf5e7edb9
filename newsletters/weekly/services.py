"""The TULO's actions on the weekly email: the week's note, holding and releasing it, sending
it now, resuming a stopped send, and the schedule. Each runs in one transaction; a send is
queued only once it commits."""

import datetime
from enum import StrEnum

from django.db import transaction

from clps.models import CLP

from ..models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    SubscriberStatus,
    WeeklySchedule,
)
from .schedule import upcoming_week, waiting_digest
from .selectors import WITHHELD
from .tasks import send_digest

# The statuses in which the TULO may still change the week's email.
EDITABLE = (DigestStatus.DRAFT, DigestStatus.HELD)


def ensure_upcoming_digest(clp: CLP, now: datetime.datetime | None = None) -> Digest:
    """The digest of the week the TULO is preparing, made if it has no row yet; the unique
    (CLP, week) constraint keeps it to one."""
    digest, _ = Digest.objects.get_or_create(clp=clp, week_start=upcoming_week(clp, now))
    return digest


class Outcome(StrEnum):
    DONE = "done"
    TOO_LATE = "too late"  # it has gone or is going


@transaction.atomic
def note_save(*, clp: CLP, note: str) -> Outcome:
    """The TULO's note at the top of the week's email."""
    digest = ensure_upcoming_digest(clp)
    changed = Digest.objects.filter(pk=digest.pk, status__in=EDITABLE).update(note=note)
    return Outcome.DONE if changed else Outcome.TOO_LATE


def _move(
    clp: CLP, *, from_: tuple[str, ...], to: str, digest: Digest | None = None
) -> Digest | None:
    digest = digest or ensure_upcoming_digest(clp)
    moved = Digest.objects.filter(pk=digest.pk, status__in=from_).update(status=to)
    return digest if moved else None


@transaction.atomic
def hold(*, clp: CLP) -> bool:
    """The week's email will not go until released."""
    return _move(clp, from_=(DigestStatus.DRAFT,), to=DigestStatus.HELD) is not None


@transaction.atomic
def release(*, clp: CLP) -> bool:
    """A held email goes at its scheduled time again."""
    return _move(clp, from_=(DigestStatus.HELD,), to=DigestStatus.DRAFT) is not None


@transaction.atomic
def send_now(*, clp: CLP) -> Digest | None:
    """Send the week's email now, held or not; None if it has gone or is going."""
    digest = _move(clp, from_=EDITABLE, to=DigestStatus.DRAFT)
    if digest is not None:
        send_digest.delay_on_commit(digest.pk)
    return digest


@transaction.atomic
def send_waiting(*, clp: CLP, week: datetime.date) -> Digest | None:
    """Send the email that was due more than a day ago and was not sent (schedule.waiting_digest),
    for the days it has left; None if that week's email is no longer the one waiting."""
    waiting = waiting_digest(clp)
    if waiting is None or waiting.week_start != week:
        return None
    made, _ = Digest.objects.get_or_create(clp=clp, week_start=week)
    digest = _move(clp, from_=EDITABLE, to=DigestStatus.DRAFT, digest=made)
    if digest is not None:
        send_digest.delay_on_commit(digest.pk)
    return digest


@transaction.atomic
def resume(*, digest: Digest) -> bool:
    """The TULO resumes a stopped digest: the deliveries the email service refused go back in
    the queue with the rest (not those to someone no longer subscribed), and the send starts
    again. False if it was not stopped."""
    if not Digest.objects.filter(pk=digest.pk, status=DigestStatus.STOPPED).update(
        status=DigestStatus.SENDING, stop_reason=""
    ):
        return False
    # Not those withheld from someone who had left: if they came back since, their batch went
    # without them, and a retry with them in it would not be the call its key names.
    Delivery.objects.filter(
        digest=digest, status=DeliveryStatus.FAILED, subscriber__status=SubscriberStatus.ACTIVE
    ).exclude(error__in=WITHHELD).update(status=DeliveryStatus.QUEUED, error="")
    send_digest.delay_on_commit(digest.pk)
    return True


@transaction.atomic
def schedule_save(*, schedule: WeeklySchedule) -> WeeklySchedule:
    """The CLP's day and time (UK) for the weekly email, and whether to skip empty weeks."""
    schedule.save()
    return schedule
