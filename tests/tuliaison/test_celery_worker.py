"""The periodic tick runs on a real Celery worker, through the test Redis, against PostgreSQL."""

import pytest
from django.utils import timezone

from tuliaison.tasks import tick

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_tick_runs_on_a_real_worker(celery_worker_process):
    result = tick.delay()
    outcome = result.get(timeout=30)
    assert result.successful()
    hour = timezone.localtime(timezone.now()).hour
    assert outcome["enqueued"] == ({"picket_reminders": 1} if hour >= 18 else {})
    assert celery_worker_process.poll() is None
