import gc

import pytest
from celery.signals import worker_init

from tuliaison.celery import GC_YOUNG_THRESHOLD, tune_garbage_collector


@pytest.fixture
def collector_as_it_was():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_worker_sets_what_it_loaded_aside_from_the_garbage_collector(collector_as_it_was):
    """A Celery worker, before it forks its pool, freezes what is loaded (Django, the apps) so
    that full collections no longer walk it, and collects its youngest generation less often;
    its pool processes inherit both."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    _, older, oldest = gc.get_threshold()

    # Called as the worker's start calls it (sending the signal here would also run Celery's
    # own Django set-up for a worker).
    assert tune_garbage_collector in worker_init._live_receivers(None)
    tune_garbage_collector()

    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, older, oldest)
