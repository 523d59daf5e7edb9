"""The weekly email for 100,000 subscribers across 600 CLPs, handed to anymail's Mailgun
backend, which posts over HTTP to the fake email service (tests/newsletters/fake_esp.py, in a
process of its own). Sent as production sends it: the tick enqueues one task per CLP on Redis
and a real Celery worker with two pool processes (one per core) takes them. Measured in one run
against a naive per-recipient render-and-send, also in two processes.

Targets: at least 3,300 recipients a second; the batch path at least 10 times the naive one;
at most one broker message per batch plus one per CLP; peak memory under 300 MB.
"""

import datetime
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, setup_django

setup_django()

import json
import urllib.request

from celery.signals import before_task_publish
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, connections, transaction
from django.utils import timezone

from clps.models import CLP
from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Subscriber,
    SubscriberStatus,
    WeeklySchedule,
    email_hash,
)
from newsletters.services import list_unsubscribe_headers, manage_url, unsubscribe_url
from newsletters.weekly import sending
from newsletters.weekly.render import personalise, render
from newsletters.weekly.selectors import build_content
from tuliaison.celery import app
from tuliaison.tasks import due_jobs

CLPS = 600
SUBSCRIBERS = 100_000
NAIVE_SECONDS = 10.0
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKERS", "2"))  # one per core of the 2-core machine


def populate() -> None:
    today = timezone.localdate()
    with transaction.atomic():
        clps = CLP.objects.bulk_create(
            [CLP(name=f"Bench CLP {i}", slug=f"bench-{i}") for i in range(CLPS)]
        )
        WeeklySchedule.objects.bulk_create(
            [
                WeeklySchedule(
                    clp=clp, weekday=today.weekday(), send_time=datetime.time(0), skip_empty=False
                )
                for clp in clps
            ]
        )
    now = timezone.now()
    for start in range(0, SUBSCRIBERS, 10_000):
        with transaction.atomic():
            Subscriber.objects.bulk_create(
                [
                    Subscriber(
                        clp=clps[n % CLPS],
                        email=f"member{n}@example.org",
                        email_hash=email_hash(f"member{n}@example.org"),
                        status=SubscriberStatus.ACTIVE,
                        consent_at=now,
                    )
                    for n in range(start, min(start + 10_000, SUBSCRIBERS))
                ],
                batch_size=5000,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def esp_stats(url: str) -> dict:
    with urllib.request.urlopen(url.removesuffix("v3/") + "stats") as response:  # noqa: S310
        return json.loads(response.read())


def naive(seconds: float, clp_ids: list[int]) -> tuple[int, float]:
    """What the batch path replaces: for each recipient, build and render the digest with their
    own links, and send it in an API call of its own (over one kept-alive connection)."""
    mailer = sending.mail_connection()
    mailer.open()
    sent, start = 0, time.perf_counter()
    try:
        for clp in CLP.objects.filter(pk__in=clp_ids).order_by("pk"):
            digest = Digest(clp=clp, week_start=timezone.localdate())
            for subscriber in Subscriber.objects.filter(clp=clp).order_by("pk"):
                rendered = render(build_content(digest))
                links = {
                    "unsubscribe_url": unsubscribe_url(subscriber),
                    "manage_url": manage_url(subscriber),
                }
                message = EmailMultiAlternatives(
                    subject=rendered.subject,
                    body=personalise(rendered.text, **links),
                    to=[subscriber.email],
                    headers=list_unsubscribe_headers(subscriber),
                )
                message.attach_alternative(personalise(rendered.html, **links), "text/html")
                mailer.send_messages([message])
                sent += 1
                if time.perf_counter() - start >= seconds:
                    return sent, time.perf_counter() - start
    finally:
        mailer.close()
    return sent, time.perf_counter() - start


def naive_in_processes(seconds: float) -> tuple[int, float]:
    """The naive path in as many processes as the worker has, each on its own CLPs."""
    ids = list(CLP.objects.order_by("pk").values_list("pk", flat=True))
    connections.close_all()  # each forked process opens its own
    with multiprocessing.get_context("fork").Pool(WORKER_PROCESSES) as pool:
        results = pool.starmap(
            naive, [(seconds, ids[i::WORKER_PROCESSES]) for i in range(WORKER_PROCESSES)]
        )
    return sum(sent for sent, _ in results), max(elapsed for _, elapsed in results)


def start_worker(esp_url: str) -> subprocess.Popen:
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tuliaison",
            "worker",
            "--pool=prefork",
            f"--concurrency={WORKER_PROCESSES}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=dict(os.environ, FAKE_ESP_URL=esp_url),
        stdout=subprocess.DEVNULL,  # the start-up banner; warnings still go to stderr
    )
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5)) < 1:
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start")
    return worker


def peak_mb(pid: int) -> list[float]:
    """VmHWM (peak resident memory) of a process and its children, in MB."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    peaks = []
    for each in [pid, *map(int, children)]:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def main() -> None:
    esp = subprocess.Popen(
        [sys.executable, "-m", "tests.newsletters.fake_esp"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = None
    try:
        url = esp.stdout.readline().strip()
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.mailgun.EmailBackend"}}
        settings.ANYMAIL = {"MAILGUN_API_KEY": "fake-esp-key", "MAILGUN_API_URL": url}
        populate()
        app.control.purge()
        worker = start_worker(url)

        # From the tick to the last recipient handed over: the tick enqueues one send_digest
        # per CLP (counted as published) and the worker's processes take them as they come.
        published = []
        before_task_publish.connect(lambda sender=None, **kw: published.append(sender), weak=False)
        start = time.perf_counter()
        enqueued = due_jobs(timezone.now())
        deadline = time.monotonic() + 600
        while Digest.objects.filter(status=DigestStatus.SENT).count() < CLPS:
            if time.monotonic() > deadline:
                raise RuntimeError("the digests were not all sent within 10 minutes")
            time.sleep(0.05)
        batch_seconds = time.perf_counter() - start
        assert enqueued["weekly_digests"] == CLPS, enqueued
        broker_messages = published.count("newsletters.send_digest")
        sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
        batch_stats = esp_stats(url)
        worker_peaks = peak_mb(worker.pid)

        naive_sent, naive_seconds = naive_in_processes(NAIVE_SECONDS)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        esp.terminate()
        esp.wait(timeout=10)

    batch_rate = sent / batch_seconds
    naive_rate = naive_sent / naive_seconds
    batches = batch_stats["calls"]
    per_digest = broker_messages / CLPS
    allowed = (batches + CLPS) / CLPS
    speedup = batch_rate / naive_rate
    peak = max(worker_peaks)
    print(
        f"CLPs: {CLPS}; subscribers: {Subscriber.objects.count():,}; "
        f"worker processes: {WORKER_PROCESSES}; batch size: {sending.batch_size('mailgun')}; "
        f"API calls: {batches:,}; recipients accepted by the fake ESP: "
        f"{batch_stats['accepted']:,}"
    )
    print(f"{'measure':44} {'result':>14}  target")
    print(f"{'batch path, recipients per second':44} {batch_rate:>14,.0f}  >= 3,300")
    print(
        f"{'  (' + format(sent, ',') + ' in ' + format(batch_seconds, '.1f') + ' s)':44} {'':>14}"
    )
    print(
        f"{'naive per-recipient render-and-send, r/s':44} {naive_rate:>14,.0f}"
        f"  ({naive_sent:,} in {naive_seconds:.1f} s)"
    )
    print(f"{'batch path / naive':44} {speedup:>13.1f}x  >= 10x")
    print(f"{'broker messages per digest':44} {per_digest:>14.2f}  <= {allowed:.2f}")
    print(f"{'peak memory, largest worker process':44} {peak:>11.0f} MB  < 300 MB")
    print(f"{'  (each: ' + ', '.join(f'{mb:.0f}' for mb in worker_peaks) + ' MB)':44} {'':>14}")
    ok = (
        batch_rate >= 3300
        and speedup >= 10
        and per_digest <= allowed
        and peak < 300
        and sent == SUBSCRIBERS == batch_stats["delivered"]
    )
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()
