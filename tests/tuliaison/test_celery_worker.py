"""The periodic tick runs on a real Celery worker, through the test Redis, against PostgreSQL."""

import pytest

from tuliaison.tasks import tick

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_tick_runs_on_a_real_worker(celery_worker_process):
    result = tick.delay()
    outcome = result.get(timeout=30)
    assert result.successful()
    assert outcome["enqueued"] == {}
    assert celery_worker_process.poll() is None
