"""The weekly schedule: which CLPs' digests are due, enqueued by the one periodic tick."""

import datetime

from django.utils import timezone

from .digest import send_at, week_start
from .models import Digest, DigestStatus, WeeklySchedule


def due_digests(now: datetime.datetime) -> list[int]:
    """Ids of this week's digests whose send time has come and that wait to be sent.

    Makes the week's digest for each due CLP that has none yet, all in one INSERT; the unique
    constraint on (CLP, week) means two ticks, two beat processes or a retry still make one.
    A few queries whatever the number of CLPs, since it runs every minute.
    """
    monday = week_start(timezone.localtime(now).date())
    due = [
        schedule.clp_id
        for schedule in WeeklySchedule.objects.filter(enabled=True).only(
            "clp_id", "weekday", "send_time"
        )
        if now >= send_at(schedule, monday)
    ]
    if not due:
        return []
    made = set(
        Digest.objects.filter(clp_id__in=due, week_start=monday).values_list("clp_id", flat=True)
    )
    Digest.objects.bulk_create(
        [Digest(clp_id=clp_id, week_start=monday) for clp_id in due if clp_id not in made],
        ignore_conflicts=True,  # another tick made it between our read and our write
    )
    return list(
        Digest.objects.filter(
            clp_id__in=due,
            week_start=monday,
            status__in=[DigestStatus.DRAFT, DigestStatus.SENDING],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
