"""The one periodic task: each CLP keeps its own schedule in the database, and the tick
enqueues whatever is due. Every job it enqueues is safe to run twice."""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from pickets.tasks import send_picket_reminders

logger = logging.getLogger(__name__)

# Picket reminders go out from this hour (Europe/London) on the evening before.
REMINDER_HOUR = 18


def due_jobs(now: datetime.datetime) -> dict[str, int]:
    """Enqueue what is due at `now`; returns how many of each kind."""
    enqueued: dict[str, int] = {}
    if timezone.localtime(now).hour >= REMINDER_HOUR:
        # Each sign-up is claimed before its reminder goes, so enqueuing this on every tick
        # of the evening sends each reminder once.
        send_picket_reminders.delay()
        enqueued["picket_reminders"] = 1
    return enqueued


@shared_task(name="tuliaison.tasks.tick", ignore_result=False)
def tick() -> dict:
    now = timezone.now()
    enqueued = due_jobs(now)
    logger.info("tick at %s enqueued %s", now.isoformat(), enqueued or "nothing")
    return {"at": now.isoformat(), "enqueued": enqueued}
