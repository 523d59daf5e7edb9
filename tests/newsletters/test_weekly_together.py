"""The tick sends many CLPs' weekly emails in one task, on a real Celery worker through Redis,
to the fake email service: every subscriber of each gets one copy, a CLP whose call the
service refuses goes on in a task of its own, which retries it, while the others go at once,
and a worker killed in the middle of the task leaves nobody sent a second copy through Resend."""

import datetime
import os
import signal
import time

import pytest
from celery.signals import before_task_publish
from django.utils import timezone

from newsletters.models import Delivery, DeliveryStatus, Digest, DigestStatus
from newsletters.weekly import sending
from tuliaison.tasks import due_jobs

from ..factories import CLPFactory, WeeklyScheduleFactory
from .fake_esp import FakeESP
from .workers import add_subscribers, sent, start_worker, stop

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=["mailgun"])
def esp(request, monkeypatch):
    """The fake email service, through the API the test is parametrized with (Mailgun's
    unless it says otherwise), each call taking a while, as a real service's does."""
    with FakeESP() as fake:
        fake.api = request.param
        monkeypatch.setenv("FAKE_ESP_API", fake.api)
        monkeypatch.setenv("FAKE_ESP_URL", fake.resend_url if fake.api == "resend" else fake.url)
        monkeypatch.setenv("WEEKLY_RETRY_WAIT", "1")  # the worker's first retry, in seconds
        fake.delay = 0.02
        yield fake


def three_clps_due(each: int = 30) -> list[str]:
    """Three CLPs whose weekly emails are due now, `each` subscribers each; their addresses."""
    today = timezone.localdate()
    emails = []
    for n in range(3):
        clp = CLPFactory(slug=f"together-{n}")
        WeeklyScheduleFactory(
            clp=clp, weekday=today.weekday(), send_time=datetime.time(0), skip_empty=False
        )
        emails += add_subscribers(clp, each, domain=f"clp{n}.example")
    return emails


def wait_until_all_sent(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while Digest.objects.exclude(status=DigestStatus.SENT).exists():
        assert time.monotonic() < deadline, "the digests were not all sent in time"
        time.sleep(0.2)


def published_by(now: datetime.datetime) -> list[tuple[str, list]]:
    published = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, list(body[0])))

    before_task_publish.connect(record)
    try:
        due_jobs(now)
    finally:
        before_task_publish.disconnect(record)
    return published


def test_three_clps_emails_go_in_one_task_each_subscriber_once(esp, settings):
    emails = three_clps_due()
    worker = start_worker(settings)
    try:
        published = published_by(timezone.now())
        wait_until_all_sent()
    finally:
        stop(worker)
    digests = sorted(Digest.objects.values_list("pk", flat=True))
    # (The tick may enqueue other jobs too, on the hour and in the evening.)
    weekly = [task for task in published if task[0].startswith("newsletters.send_digest")]
    assert weekly == [("newsletters.send_digests", [digests])]
    assert sorted(esp.delivered.values()) == sorted(emails)
    assert max(esp.accepted_counts().values()) == 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 90


def test_a_clp_the_service_refuses_goes_on_in_its_own_task_and_the_others_go_at_once(esp, settings):
    emails = three_clps_due()
    esp.fail_batches_with, esp.fail_batches_times = 503, 1  # the first call only
    worker = start_worker(settings)
    try:
        published_by(timezone.now())
        wait_until_all_sent()
    finally:
        stop(worker)
    assert sorted(esp.delivered.values()) == sorted(emails)
    assert max(esp.accepted_counts().values()) == 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 90
    # The refused batch (one CLP's first, whichever went first) was tried twice; the others once.
    twice = set(Delivery.objects.filter(attempts=2).values_list("digest_id", "batch"))
    assert len(twice) == 1 and twice.pop()[1] == 0
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1, 2}


@pytest.mark.parametrize("esp", ["resend"], indirect=True)
def test_a_worker_killed_mid_task_leaves_each_recipient_of_each_clp_one_copy(esp, settings):
    emails = three_clps_due(1000)
    workers = [start_worker(settings)]
    try:
        due_jobs(timezone.now())
        deadline = time.monotonic() + 60
        while not 500 <= sent() < 2000:
            assert time.monotonic() < deadline, "the send did not get going"
            assert sent() < 2000, "the send went too fast to kill the worker during it"
            time.sleep(0.005)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        assert sent() < 3000
        workers.append(start_worker(settings))
        # The killed task comes back from the broker; the tick puts the dead worker's batches
        # back in the queue (at once, here) and enqueues the digests still sending.
        sending.requeue_stuck(
            timezone.now() + datetime.timedelta(seconds=1), after=datetime.timedelta(0)
        )
        due_jobs(timezone.now())
        wait_until_all_sent()
    finally:
        for worker in workers:
            stop(worker)
    assert sent() == 3000 == Delivery.objects.count()
    # The service sent each recipient once: a batch posted again was answered from its first
    # call.
    assert esp.accepted_counts() == dict.fromkeys(emails, 1)
