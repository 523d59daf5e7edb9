"""Each subscriber gets the weekly email exactly once when the worker sending it is killed
mid-send, or Redis or PostgreSQL restarts under it: 10,000 subscribers, a real Celery worker
sending through anymail's Mailgun backend to a fake email service."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.utils import timezone

from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Subscriber,
    SubscriberStatus,
    email_hash,
)
from newsletters.weekly import sending
from newsletters.weekly.services import ensure_upcoming_digest
from newsletters.weekly.tasks import send_digest
from tuliaison.celery import app
from tuliaison.tasks import tick

from ..factories import WeeklyScheduleFactory
from .fake_esp import FakeESP

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 10_000
BATCH = 200


def start_worker(settings) -> subprocess.Popen:
    """A `celery worker` process on the test Redis and database, like conftest's
    celery_worker_process, that the test can kill and start again."""
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tuliaison.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "celery", "-A", "tuliaison", "worker", "--pool=solo", "--loglevel=WARNING"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("The Celery worker did not start.")
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def esp(monkeypatch):
    with FakeESP() as fake:
        monkeypatch.setenv("FAKE_ESP_URL", fake.url)
        monkeypatch.setenv("WEEKLY_BATCH_SIZE", str(BATCH))
        fake.delay = 0.05  # each call takes a while, as a real service's does
        yield fake


def sent() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.SENT).count()


def add_subscribers(clp) -> list[str]:
    emails = [f"member{n}@example.org" for n in range(SUBSCRIBERS)]
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                clp=clp,
                email=email,
                email_hash=email_hash(email),
                status=SubscriberStatus.ACTIVE,
                consent_at=timezone.now(),
            )
            for email in emails
        ],
        batch_size=2000,
    )
    return emails


def test_a_worker_killed_mid_send_leaves_every_subscriber_one_copy(esp, clp, settings):
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    emails = add_subscribers(clp)
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
        requeued = sending.requeue_stuck(
            timezone.now() + datetime.timedelta(seconds=1), after=datetime.timedelta(0)
        )
        assert 0 < requeued <= BATCH
        send_digest.delay(digest.pk)
        deadline = time.monotonic() + 60
        while Digest.objects.get(pk=digest.pk).status != DigestStatus.SENT:
            assert time.monotonic() < deadline, "the digest was not finished in time"
            time.sleep(0.2)
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


def restart_redis() -> None:
    """Kill the test Redis (scripts/services.sh started it, with no persistence, so whatever
    was queued is lost) and start it again on the same port."""
    pidfile = Path(os.environ["TULIAISON_TEST_REDIS_PIDFILE"])
    port = urlsplit(os.environ["REDIS_URL"]).port
    os.kill(int(pidfile.read_text()), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (
        subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0
    ):
        assert time.monotonic() < deadline, "Redis did not stop"
        time.sleep(0.05)
    run_dir = pidfile.parent
    subprocess.run(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--daemonize", "yes", "--pidfile", str(pidfile)),
            *("--logfile", str(run_dir / "redis.log"), "--dir", str(run_dir)),
        ],
        check=True,
    )
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode:
        assert time.monotonic() < deadline + 10, "Redis did not start again"
        time.sleep(0.05)


def reconnect_to_redis() -> None:
    """Drop this process's connections to the Redis that was killed (broker, results, cache),
    so the next test does not find them closed."""
    from django.core.cache import caches
    from kombu import pools

    # kombu keeps its connection and producer pools in a registry: empty it, and Celery makes
    # new pools, and a new result backend, with fresh connections on next use.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.backend.client.connection_pool.disconnect()
    app._local.__dict__.pop("backend", None)
    for cache in caches.all(initialized_only=True):
        for pool in getattr(getattr(cache, "_cache", None), "_pools", {}).values():
            pool.disconnect()


def test_redis_restarted_mid_send_leaves_every_subscriber_one_copy(esp, clp, settings):
    today = timezone.localdate()
    WeeklyScheduleFactory(
        clp=clp, weekday=today.weekday(), send_time=datetime.time(0), skip_empty=False
    )
    emails = add_subscribers(clp)
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


def restart_postgresql() -> None:
    """Stop the test PostgreSQL as a crash would (immediately: every connection cut, no
    checkpoint) and start it again on the same port and data."""
    pg_ctl = os.environ["TULIAISON_TEST_PG_CTL"].split()
    subprocess.run([*pg_ctl, "-m", "immediate", "-w", "-t", "60", "restart"], check=True)


def test_postgresql_restarted_mid_send_leaves_every_subscriber_one_copy(
    esp, clp, settings, monkeypatch
):
    monkeypatch.setenv("WEEKLY_RETRY_WAIT", "1")  # the worker's first retry, in seconds
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    emails = add_subscribers(clp)
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
    # Without the idempotency key the repeats would be at most the one batch in flight.
    repeats = sum(n - 1 for n in esp.accepted_counts().values())
    assert repeats == esp.dropped <= BATCH
