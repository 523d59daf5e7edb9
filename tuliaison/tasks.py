"""The Celery wiring: the one periodic tick, and the jobs it enqueues. Each CLP keeps its own
schedule in the database; every job here is safe to run twice."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from clps import outbox
from newsletters.monthly import schedule as monthly_schedule
from newsletters.monthly.tasks import build_section
from newsletters.weekly import schedule as weekly_schedule
from newsletters.weekly import sending as weekly_sending
from newsletters.weekly.tasks import send_digests
from pickets.tasks import send_picket_reminders
from privacy.tasks import retention

logger = logging.getLogger(__name__)

# Picket reminders go out from this hour (Europe/London) on the evening before.
REMINDER_HOUR = 18
# A batch in flight for this long belongs to a worker that died.
STUCK_AFTER = datetime.timedelta(minutes=10)


def due_jobs(now: datetime.datetime) -> dict[str, int]:
    """Enqueue what is due at `now`; returns how many of each kind."""
    enqueued: dict[str, int] = {}
    if timezone.localtime(now).hour >= REMINDER_HOUR:
        # Each sign-up is claimed before its reminder goes, so enqueuing this on every tick
        # of the evening sends each reminder once.
        send_picket_reminders.delay()
        enqueued["picket_reminders"] = 1
    if timezone.localtime(now).minute == 0:
        # Hourly: personal data past its retention period is deleted (privacy/retention.py).
        retention.delay()
        enqueued["retention"] = 1
    lost = outbox.sweep(now)
    for mail_id in lost:  # their task never reached a worker
        outbox.send_outgoing_mail.delay(mail_id)
    if lost:
        enqueued["outgoing_mail"] = len(lost)
    requeued = weekly_sending.requeue_stuck(now, after=STUCK_AFTER)
    if requeued:
        logger.warning("requeued %s deliveries stuck in flight", requeued)
    digests = weekly_schedule.due_digests(now)
    # In tasks of several CLPs each, prepared together: one set of queries for all their news.
    step = settings.WEEKLY_DIGESTS_PER_TASK
    for start in range(0, len(digests), step):
        send_digests.delay(digests[start : start + step])
    if digests:
        enqueued["weekly_digests"] = len(digests)
    sections = monthly_schedule.due_sections(now)
    for clp_id, month in sections:
        # Enqueued again on each tick until drafted; the unique (CLP, month) makes it once.
        build_section.delay(clp_id, month.isoformat())
    if sections:
        enqueued["newsletter_sections"] = len(sections)
    return enqueued


@shared_task(name="tuliaison.tasks.tick", ignore_result=False)
def tick() -> dict:
    now = timezone.now()
    enqueued = due_jobs(now)
    logger.info("tick at %s enqueued %s", now.isoformat(), enqueued or "nothing")
    return {"at": now.isoformat(), "enqueued": enqueued}
