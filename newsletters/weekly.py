"""The weekly schedule: which CLPs' digests are due, enqueued by the one periodic tick."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .digest import send_at, week_start
from .models import Digest, DigestStatus, WeeklySchedule


def due_digests(now: datetime.datetime) -> list[int]:
    """Ids of this week's digests whose send time has come and that wait to be sent.

    Creates the week's digest for a CLP that has none yet; the unique constraint on (CLP, week)
    means two ticks, two beat processes or a retry still make one.
    """
    monday = week_start(timezone.localtime(now).date())
    due = []
    for schedule in WeeklySchedule.objects.filter(enabled=True).select_related("clp"):
        if now < send_at(schedule, monday):
            continue
        try:
            with transaction.atomic():
                digest, _ = Digest.objects.get_or_create(clp=schedule.clp, week_start=monday)
        except IntegrityError:  # another tick made it between our read and our write
            digest = Digest.objects.get(clp=schedule.clp, week_start=monday)
        if digest.status in (DigestStatus.DRAFT, DigestStatus.SENDING):
            due.append(digest.pk)
    return due
