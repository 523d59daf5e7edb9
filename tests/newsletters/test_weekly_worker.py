"""The tick, on a real Celery worker through Redis, sends a CLP's weekly email when it is due."""

import datetime
import time

import pytest
from django.utils import timezone

from newsletters.models import Delivery, DeliveryStatus, Digest, DigestStatus
from tuliaison.tasks import tick

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    SubscriberFactory,
    WeeklyScheduleFactory,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_FILE_PATH", str(tmp_path))
    return tmp_path


def test_tick_sends_the_due_weekly_email_once_on_a_real_worker(
    mail_dir, clp, celery_worker_process
):
    today = timezone.localdate()
    WeeklyScheduleFactory(clp=clp, weekday=today.weekday(), send_time=datetime.time(0))
    dispute = DisputeFactory(title="Delivery office cuts")
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=1))
    for n in range(20):
        SubscriberFactory(clp=clp, email=f"member{n}@example.org")

    assert tick.delay().get(timeout=30)["enqueued"].get("weekly_digests") == 1
    assert tick.delay().get(timeout=30)["enqueued"].get("weekly_digests", 0) <= 1
    deadline = time.monotonic() + 60
    while Digest.objects.get(clp=clp).status != DigestStatus.SENT:
        assert time.monotonic() < deadline, "the digest was not sent in time"
        time.sleep(0.2)

    assert Digest.objects.filter(clp=clp).count() == 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 20
    written = "".join(p.read_text() for p in mail_dir.iterdir())
    recipients = sorted(
        line.removeprefix("To: ") for line in written.splitlines() if line.startswith("To: ")
    )
    assert recipients == sorted(f"member{n}@example.org" for n in range(20))
    assert written.count("Delivery office cuts") >= 20
    # A later tick finds nothing more to send.
    assert "weekly_digests" not in tick.delay().get(timeout=30)["enqueued"]
