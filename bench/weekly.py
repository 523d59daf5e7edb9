"""The weekly email for 100,000 subscribers across 600 CLPs, handed to anymail's SendGrid
backend, which posts over HTTP to the fake email service (tests/newsletters/fake_esp.py, in a
process of its own). Measured in one run: the batch path (rendered once per CLP, one API call
per batch with per-recipient merge data) against a naive per-recipient render-and-send.

Targets: at least 3,300 recipients a second; the batch path at least 10 times the naive one;
at most one broker message per batch plus one per CLP; peak memory under 300 MB.
"""

import datetime
import resource
import subprocess
import sys
import time

from common import ROOT, setup_django

setup_django()

import json
import urllib.request

from celery.signals import before_task_publish
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone

from clps.models import CLP
from newsletters import delivery
from newsletters.digest import build_content, personalise, render
from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    Subscriber,
    SubscriberStatus,
    WeeklySchedule,
    email_hash,
)
from newsletters.services import list_unsubscribe_headers, manage_url, unsubscribe_url
from tuliaison.celery import app
from tuliaison.tasks import due_jobs

CLPS = 600
SUBSCRIBERS = 100_000
NAIVE_SECONDS = 10.0


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


def naive(seconds: float) -> tuple[int, float]:
    """What the batch path replaces: for each recipient, build and render the digest with their
    own links, and send it in an API call of its own (over one kept-alive connection)."""
    mailer = delivery._connection()
    mailer.open()
    sent, start = 0, time.perf_counter()
    try:
        for clp in CLP.objects.order_by("pk"):
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


def main() -> None:
    esp = subprocess.Popen(
        [sys.executable, "-m", "tests.newsletters.fake_esp"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = esp.stdout.readline().strip()
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.sendgrid.EmailBackend"}}
        settings.ANYMAIL = {"SENDGRID_API_KEY": "fake-esp-key", "SENDGRID_API_URL": url}
        settings.WEEKLY_BATCH_ESP = None
        populate()

        # The tick enqueues one send_digest per CLP on the broker (nobody consumes them here;
        # they are counted, then the digests are sent in this process as a worker would).
        published = []
        before_task_publish.connect(lambda sender=None, **kw: published.append(sender), weak=False)
        enqueued = due_jobs(timezone.now())
        digest_ids = list(Digest.objects.order_by("pk").values_list("pk", flat=True))
        assert enqueued["weekly_digests"] == len(digest_ids) == CLPS, enqueued
        app.control.purge()
        broker_messages = published.count("newsletters.send_digest")

        start = time.perf_counter()
        for digest_id in digest_ids:
            delivery.send_all(digest_id)
        batch_seconds = time.perf_counter() - start
        sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
        batch_stats = esp_stats(url)

        naive_sent, naive_seconds = naive(NAIVE_SECONDS)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        esp.terminate()
        esp.wait(timeout=10)

    batch_rate = sent / batch_seconds
    naive_rate = naive_sent / naive_seconds
    batches = batch_stats["calls"]
    per_digest = broker_messages / len(digest_ids)
    allowed = (batches + len(digest_ids)) / len(digest_ids)
    speedup = batch_rate / naive_rate
    print(
        f"CLPs: {len(digest_ids)}; subscribers: {Subscriber.objects.count():,}; "
        f"batch size: {delivery.batch_size('sendgrid')}; API calls: {batches:,}; "
        f"recipients accepted by the fake ESP: {batch_stats['accepted']:,}"
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
    print(f"{'peak memory (ru_maxrss, whole process)':44} {peak_mb:>11.0f} MB  < 300 MB")
    ok = (
        batch_rate >= 3300
        and speedup >= 10
        and per_digest <= allowed
        and peak_mb < 300
        and sent == SUBSCRIBERS == batch_stats["delivered"]
    )
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()
