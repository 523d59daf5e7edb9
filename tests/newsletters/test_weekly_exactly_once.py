"""Nobody is missed when the worker sending the weekly email is killed mid-send, or Redis or
PostgreSQL restarts under it: 10,000 subscribers, a real Celery worker sending through anymail's
Mailgun backend (and, for the restarts, its Resend backend) to the fake email service. Through
Mailgun a killed worker's batch in flight may go twice (the fake counts what it would have
dropped); through Resend nobody gets two copies. The many kill points of a Resend send are in
test_weekly_chaos.py."""

import datetime
import os
import signal
import time

import pytest
from django.db import connections
from django.utils import timezone

from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
)
from newsletters.weekly import sending
from newsletters.weekly.services import ensure_upcoming_digest
from newsletters.weekly.tasks import send_digest
from tuliaison.tasks import tick

from ..factories import WeeklyScheduleFactory
from .fake_esp import FakeESP
from .workers import (
    add_subscribers,
    reconnect_to_redis,
    requeue_and_send_again,
    restart_postgresql,
    restart_redis,
    sent,
    start_worker,
    stop,
    wait_until_sent,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 10_000
BATCH = 200


@pytest.fixture(params=["mailgun"])
def esp(request, monkeypatch):
    """The fake email service, and the worker's settings to send to it through the API the
    test is parametrized with (Mailgun's unless it says otherwise)."""
    with FakeESP() as fake:
        fake.api = request.param
        monkeypatch.setenv("FAKE_ESP_API", fake.api)
        monkeypatch.setenv("FAKE_ESP_URL", fake.resend_url if fake.api == "resend" else fake.url)
        monkeypatch.setenv("WEEKLY_BATCH_SIZE", str(BATCH))
        fake.delay = 0.05  # each call takes a while, as a real service's does
        yield fake


both_apis = pytest.mark.parametrize("esp", ["mailgun", "resend"], indirect=True)


def test_a_worker_killed_mid_send_leaves_every_subscriber_one_copy(esp, clp, settings):
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    emails = add_subscribers(clp, SUBSCRIBERS)
    digest = ensure_upcoming_digest(clp)
    workers = [start_worker(settings)]
    try:
        send_digest.delay(digest.pk)
        # Kill the worker while the email service holds a batch it accepted and the database
        # has not yet marked sent: the worst moment.
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, "the send did not get going"
            accepted = len(esp.delivered)
            done = sent()
            if SUBSCRIBERS // 5 <= done < accepted:
                break
            assert done < SUBSCRIBERS, "the send finished before the worker could be killed"
            time.sleep(0.005)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        killed_at = sent()
        assert 0 < killed_at < SUBSCRIBERS
        assert Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT).count() <= BATCH

        workers.append(start_worker(settings))
        # The dead worker's batch goes back in the queue, and the digest is enqueued again
        # (as the tick does for a digest still sending).
        assert 0 < requeue_and_send_again(digest.pk) <= BATCH
        wait_until_sent(digest.pk)
    finally:
        for worker in workers:
            stop(worker)

    # Every subscriber has exactly one delivery, and it was sent.
    assert Delivery.objects.filter(digest=digest).count() == SUBSCRIBERS
    assert sent() == SUBSCRIBERS
    # The email service delivered each recipient once, by the delivery's idempotency key...
    assert sorted(esp.delivered.values()) == sorted(emails)
    assert sorted(esp.delivered) == sorted(
        str(pk) for pk in Delivery.objects.values_list("pk", flat=True)
    )
    # ...and without the key the repeats would be at most the one batch in flight.
    counts = esp.accepted_counts()
    assert set(counts) == set(emails)
    repeats = sum(n - 1 for n in counts.values())
    assert repeats == esp.dropped
    assert 0 < repeats <= BATCH


@both_apis
def test_redis_restarted_mid_send_leaves_every_subscriber_one_copy(esp, clp, settings):
    today = timezone.localdate()
    WeeklyScheduleFactory(
        clp=clp, weekday=today.weekday(), send_time=datetime.time(0), skip_empty=False
    )
    emails = add_subscribers(clp, SUBSCRIBERS)
    worker = start_worker(settings)
    try:
        assert tick.delay().get(timeout=30)["enqueued"]["weekly_digests"] == 1
        deadline = time.monotonic() + 60
        while not SUBSCRIBERS // 5 <= sent() < SUBSCRIBERS // 2:
            assert time.monotonic() < deadline, "the send did not get going"
            assert sent() < SUBSCRIBERS // 2, "the send went too fast to restart Redis during it"
            time.sleep(0.005)
        try:
            restart_redis()
        finally:
            reconnect_to_redis()
        assert sent() < SUBSCRIBERS
        # The worker finds the broker again: the next tick (beat's, every minute) runs on it
        # once the send is done (one process, one task at a time).
        assert tick.delay().get(timeout=60)["enqueued"].get("weekly_digests", 0) <= 1
        digest = Digest.objects.get(clp=clp)
        deadline = time.monotonic() + 60
        while Digest.objects.get(pk=digest.pk).status != DigestStatus.SENT:
            assert time.monotonic() < deadline, "the digest was not finished in time"
            time.sleep(0.2)
        assert "weekly_digests" not in tick.delay().get(timeout=30)["enqueued"]
    finally:
        stop(worker)

    assert sent() == SUBSCRIBERS == Delivery.objects.filter(digest=digest).count()
    assert sorted(esp.delivered.values()) == sorted(emails)
    # Nothing was sent twice, even without the idempotency key.
    assert esp.dropped == 0
    assert max(esp.accepted_counts().values()) == 1


@both_apis
def test_postgresql_restarted_mid_send_leaves_every_subscriber_one_copy(
    esp, clp, settings, monkeypatch
):
    monkeypatch.setenv("WEEKLY_RETRY_WAIT", "1")  # the worker's first retry, in seconds
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    emails = add_subscribers(clp, SUBSCRIBERS)
    digest = ensure_upcoming_digest(clp)
    worker = start_worker(settings)
    try:
        send_digest.delay(digest.pk)
        deadline = time.monotonic() + 60
        while not SUBSCRIBERS // 5 <= sent() < SUBSCRIBERS // 2:
            assert time.monotonic() < deadline, "the send did not get going"
            assert sent() < SUBSCRIBERS // 2, "the send went too fast to restart the database"
            time.sleep(0.005)
        try:
            restart_postgresql()
        finally:
            connections.close_all()  # this process's connection died with the server
        assert sent() < SUBSCRIBERS

        # The worker's task failed on the dead connection and retries by itself. A batch the
        # email service accepted but the database could not mark sent stays in flight until
        # the sweeper puts it back (the tick does, after STUCK_AFTER) and the digest goes again.
        deadline = time.monotonic() + 120
        stuck_seen = 0
        while Digest.objects.get(pk=digest.pk).status != DigestStatus.SENT:
            assert time.monotonic() < deadline, "the digest was not finished in time"
            waiting = Delivery.objects.filter(status=DeliveryStatus.QUEUED).exists()
            in_flight = Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT).count()
            stuck_seen = stuck_seen + 1 if in_flight and not waiting else 0
            if stuck_seen == 4:  # nothing moved for two seconds: that batch's worker is gone
                sending.requeue_stuck(
                    timezone.now() + datetime.timedelta(seconds=1), after=datetime.timedelta(0)
                )
                send_digest.delay(digest.pk)
                stuck_seen = 0
            time.sleep(0.5)
    finally:
        stop(worker)

    assert sent() == SUBSCRIBERS == Delivery.objects.filter(digest=digest).count()
    assert sorted(esp.delivered.values()) == sorted(emails)
    repeats = sum(n - 1 for n in esp.accepted_counts().values())
    if esp.api == "resend":  # the batch the database lost is answered from its first call
        assert repeats == esp.dropped == 0
    else:  # without our key the repeats would be at most the one batch in flight
        assert repeats == esp.dropped <= BATCH
