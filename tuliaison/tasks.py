"""The Celery wiring: the one periodic tick, and the jobs it enqueues. Each CLP keeps its own
schedule in the database; every job here is safe to run twice."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.db import Error as DatabaseUnavailable
from django.db import connections
from django.utils import timezone

from newsletters import delivery, monthly, weekly
from newsletters.monthly_tasks import build_section
from pickets.tasks import send_picket_reminders
from privacy.tasks import retention

logger = logging.getLogger(__name__)

# Picket reminders go out from this hour (Europe/London) on the evening before.
REMINDER_HOUR = 18
# A batch in flight for this long belongs to a worker that died.
STUCK_AFTER = datetime.timedelta(minutes=10)


@shared_task(
    name="newsletters.send_digest", bind=True, acks_late=True, max_retries=10, ignore_result=True
)
def send_digest(self, digest_id: int) -> int:
    """Send a weekly digest. When the email service fails, the digest shows as paused and the
    task retries with growing waits; deliveries already sent are never sent again. When the
    retries run out, sending stops and the TULOs are told."""
    try:
        return delivery.send_all(digest_id)
    except Exception as exc:
        # After about a day of trying, a person must look.
        final = self.request.retries >= self.max_retries
        try:
            if final:
                delivery.stop(digest_id, f"the email service kept failing: {exc}")
            else:
                delivery.pause(digest_id, str(exc))
        except DatabaseUnavailable:
            # The database may be what failed: the retry still goes on the broker, and finds the
            # deliveries as the last commit left them. Its connection is made afresh.
            connections.close_all()
            logger.warning("digest %s: the database is unavailable: %s", digest_id, exc)
        if final:
            raise
        wait = min(settings.WEEKLY_RETRY_WAIT * 2**self.request.retries, 3600)
        raise self.retry(exc=exc, countdown=wait) from exc


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
    requeued = delivery.requeue_stuck(now, after=STUCK_AFTER)
    if requeued:
        logger.warning("requeued %s deliveries stuck in flight", requeued)
    digests = weekly.due_digests(now)
    for digest_id in digests:
        send_digest.delay(digest_id)
    if digests:
        enqueued["weekly_digests"] = len(digests)
    sections = monthly.due_sections(now)
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
