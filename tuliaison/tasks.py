"""The one periodic task: each CLP keeps its own schedule in the database, and the tick
enqueues whatever is due. Later capabilities register what they schedule here."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="tuliaison.tasks.tick", ignore_result=False)
def tick() -> dict:
    now = timezone.now()
    enqueued: dict[str, int] = {}
    logger.info("tick at %s enqueued %s", now.isoformat(), enqueued or "nothing")
    return {"at": now.isoformat(), "enqueued": enqueued}
