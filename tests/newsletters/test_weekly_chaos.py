"""Exactly once through Resend: a 20,000-recipient weekly email sent by a real Celery worker
through anymail's Resend backend to the fake service's Resend API, the worker killed with
SIGKILL at chosen points of chosen batches, and the service failing with 5xx errors and timeouts
on the way. Afterwards every subscriber has one delivery, marked sent, and the service's own
record shows it sent each recipient exactly once.

The kill points, each at the nth batch call to reach the service:

- before: the batch is claimed and its call made, but the service never gets it;
- during: the service has sent the batch's emails and not yet answered;
- after: the service has answered, and the worker dies before its COMMIT of the batch as sent
  (the test holds the batch's rows locked so the worker waits there, then kills it and its
  database session).

`make test` tries one of each; `make chaos` (TULIAISON_CHAOS=1) tries 30."""

import os
import signal
import time

import pytest
from django.db import connection, transaction

from newsletters.models import Delivery, DeliveryStatus
from newsletters.weekly import sending
from newsletters.weekly.services import ensure_upcoming_digest
from newsletters.weekly.tasks import send_digest

from ..factories import WeeklyScheduleFactory
from .fake_esp import FakeESP
from .workers import (
    add_subscribers,
    requeue_and_send_again,
    sent,
    start_worker,
    stop,
    wait_until_sent,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 20_000
BATCH = 100  # Resend's most: 200 batches

KINDS = ("before", "during", "after")
if os.environ.get("TULIAISON_CHAOS"):
    KILLS = [(KINDS[i % 3], 4 + 6 * i) for i in range(30)]  # calls 4 to 178
else:
    KILLS = [("before", 12), ("during", 75), ("after", 140)]
# Calls the service fails: two server errors, and one it answers too late for the worker's
# timeout (it sends the emails all the same, as a real service may). None is a kill point or
# the retry just after one.
FAILURES = {8: 503, 44: 500, 110: "hang"}
TIMEOUT = 5.0  # far above a normal call, even on a busy machine: only the hang times out


@pytest.fixture
def resend(monkeypatch):
    with FakeESP() as fake:
        monkeypatch.setenv("FAKE_ESP_API", "resend")
        monkeypatch.setenv("FAKE_ESP_URL", fake.resend_url)
        monkeypatch.setenv("FAKE_ESP_TIMEOUT", str(TIMEOUT))
        monkeypatch.setenv("WEEKLY_BATCH_SIZE", str(BATCH))
        monkeypatch.setenv("WEEKLY_RETRY_WAIT", "1")
        fake.fail_calls = dict(FAILURES)
        fake.hang_calls_for = TIMEOUT + 1
        yield fake


def blocked_backend() -> int | None:
    """The worker's database session waiting on a row lock the test holds, if it is yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid() AND datname = current_database()"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def kill_after_the_answer(worker, hold, digest) -> None:
    """Let the held call be answered while the batch's rows are locked, so the worker stops at
    its UPDATE of them; then kill the worker, and its session before it can commit."""
    with transaction.atomic():
        locked = list(
            Delivery.objects.select_for_update()
            .filter(digest=digest, status=DeliveryStatus.IN_FLIGHT)
            .values_list("pk", flat=True)
        )
        assert 0 < len(locked) <= BATCH
        hold.release.set()
        deadline = time.monotonic() + 30
        while (pid := blocked_backend()) is None:
            assert time.monotonic() < deadline, "the worker did not reach its commit"
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert not Delivery.objects.filter(pk__in=locked, status=DeliveryStatus.SENT).exists()


def test_a_resend_send_killed_at_many_points_sends_each_recipient_exactly_once(
    resend, clp, settings
):
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    emails = add_subscribers(clp, SUBSCRIBERS)
    digest = ensure_upcoming_digest(clp)
    holds = [(kind, resend.hold(call, "before" if kind == "before" else "during"))
             for kind, call in KILLS]  # fmt: skip
    worker = start_worker(settings)
    try:
        send_digest.delay(digest.pk)
        for kind, hold in holds:
            assert hold.reached.wait(timeout=90), f"the send never reached call {hold.call}"
            if kind == "after":
                kill_after_the_answer(worker, hold, digest)
            else:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
                hold.release.set()
            assert sent() < SUBSCRIBERS
            # The sweeper puts the dead worker's batch back (with the first batches claimed
            # with it, if not yet sent), and the digest goes again.
            worker = start_worker(settings)
            assert 0 < requeue_and_send_again(digest.pk) <= max(BATCH, sending.PRECLAIMED)
        wait_until_sent(digest.pk, 120)
    finally:
        stop(worker)

    # Our rows: one delivery each, sent.
    assert Delivery.objects.filter(digest=digest).count() == SUBSCRIBERS == sent()
    # The service's own record: it sent every recipient exactly once...
    assert resend.accepted_counts() == dict.fromkeys(emails, 1)
    assert sorted(resend.delivered.values()) == sorted(emails)
    # ...because each batch retried after its emails went (killed during or after the call, or
    # timed out) was answered from its first call, never refused as another body.
    assert resend.failed_calls == FAILURES and resend.hung_sends == 1
    retried_after_sending = sum(kind != "before" for kind, _ in KILLS) + resend.hung_sends
    assert resend.replayed == retried_after_sending
    assert resend.conflicts == 0
