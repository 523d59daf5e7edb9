"""What the tests of sending under failure share: a real Celery worker they can kill and start
again, many subscribers made at once, and Redis and PostgreSQL restarted as a crash would."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    email_hash,
)
from tuliaison.celery import app


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


def sent() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.SENT).count()


def add_subscribers(clp, count: int, *, domain: str = "example.org") -> list[str]:
    emails = [f"member{n}@{domain}" for n in range(count)]
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


def restart_postgresql() -> None:
    """Stop the test PostgreSQL as a crash would (immediately: every connection cut, no
    checkpoint) and start it again on the same port and data."""
    pg_ctl = os.environ["TULIAISON_TEST_PG_CTL"].split()
    subprocess.run([*pg_ctl, "-m", "immediate", "-w", "-t", "60", "restart"], check=True)


def requeue_and_send_again(digest_id: int) -> int:
    """What the tick does for a digest still sending after its worker died: the dead worker's
    batch goes back in the queue (at once, here) and the digest is enqueued again."""
    from newsletters.weekly import sending
    from newsletters.weekly.tasks import send_digest

    requeued = sending.requeue_stuck(
        timezone.now() + datetime.timedelta(seconds=1), after=datetime.timedelta(0)
    )
    send_digest.delay(digest_id)
    return requeued


def wait_until_sent(digest_id: int, seconds: float = 60) -> None:
    from newsletters.models import Digest, DigestStatus

    deadline = time.monotonic() + seconds
    while Digest.objects.get(pk=digest_id).status != DigestStatus.SENT:
        assert time.monotonic() < deadline, "the digest was not finished in time"
        time.sleep(0.2)
