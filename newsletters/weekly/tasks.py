"""The weekly send's tasks. send_digest takes a digest's id and sends what is still queued, so it
can run again, or on several workers at once, without sending anyone a second copy; it retries
while the email service fails. send_digests takes many CLPs' digests, as the tick finds them
due: it prepares them together (one set of queries for all their news) and sends each, and a
digest the email service fails on goes on in a send_digest of its own."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import Error as DatabaseUnavailable
from django.db import connections

from . import sending

logger = logging.getLogger(__name__)


@shared_task(
    name="newsletters.send_digest", bind=True, acks_late=True, max_retries=10, ignore_result=True
)
def send_digest(self, digest_id: int) -> int:
    """Send a weekly digest. When the email service fails, the digest shows as paused and the
    task retries with growing waits; deliveries already sent are never sent again. When the
    retries run out, sending stops and the TULOs are told."""
    try:
        return sending.send_all(digest_id)
    except Exception as exc:
        # After about a day of trying, a person must look.
        final = self.request.retries >= self.max_retries
        try:
            if final:
                sending.stop(digest_id, f"the email service kept failing: {exc}")
            else:
                sending.pause(digest_id, str(exc))
        except DatabaseUnavailable:
            # The database may be what failed: the retry still goes on the broker, and finds the
            # deliveries as the last commit left them. Its connection is made afresh.
            connections.close_all()
            logger.warning("digest %s: the database is unavailable: %s", digest_id, exc)
        if final:
            raise
        wait = min(settings.WEEKLY_RETRY_WAIT * 2**self.request.retries, 3600)
        raise self.retry(exc=exc, countdown=wait) from exc


@shared_task(name="newsletters.send_digests", acks_late=True, ignore_result=True)
def send_digests(digest_ids: list[int]) -> int:
    """Prepare many digests at once and send each; returns how many recipients were sent. A
    digest whose sending fails, or all of them if preparing fails, is handed to send_digest,
    which retries it with growing waits; what was sent is never sent again."""
    try:
        prepared = sending.prepare_many(digest_ids, claim_first=True)
    except Exception:
        logger.exception("digests %s: preparing them together failed", digest_ids)
        connections.close_all()  # the database may be what failed
        for digest_id in digest_ids:
            send_digest.apply_async((digest_id,), countdown=settings.WEEKLY_RETRY_WAIT)
        return 0
    sent, done = 0, []
    connection = sending.mail_connection()  # one for them all
    connection.open()
    try:
        for digest, claimed in prepared:
            try:
                sent += sending.send_prepared(digest, claimed, connection=connection, finish=False)
                done.append(digest.pk)
            except Exception as exc:
                try:
                    sending.pause(digest.pk, str(exc))
                except DatabaseUnavailable:
                    connections.close_all()
                send_digest.apply_async((digest.pk,), countdown=settings.WEEKLY_RETRY_WAIT)
                # A connection the failure broke (an SMTP server that hung up) would fail every
                # digest after it: the next goes over a new one.
                try:
                    connection.close()
                    connection.open()
                except Exception:
                    logger.warning("could not reconnect to the email service", exc_info=True)
    finally:
        connection.close()
    sending.finished(done)
    return sent
