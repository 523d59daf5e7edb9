"""The periodic tick runs on a real Celery worker, through the test Redis, against PostgreSQL."""

import pytest
from django.utils import timezone

from tuliaison.tasks import tick

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_tick_runs_on_a_real_worker(celery_worker_process):
    result = tick.delay()
    outcome = result.get(timeout=30)
    assert result.successful()
    evening = timezone.localtime(timezone.now()).hour >= 18
    assert ("picket_reminders" in outcome["enqueued"]) == evening
    assert celery_worker_process.poll() is None
