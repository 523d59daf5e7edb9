import gc

import pytest
from celery.signals import worker_process_init

from tuliaison.celery import GC_YOUNG_THRESHOLD


@pytest.fixture
def collector_as_it_was():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_each_pool_process_sets_what_it_loaded_aside_from_the_garbage_collector(
    collector_as_it_was,
):
    """A Celery pool process, as it starts, freezes what is loaded (Django, the apps) so that
    full collections no longer walk it, and collects its youngest generation less often."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    _, older, oldest = gc.get_threshold()

    worker_process_init.send(sender=None)

    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, older, oldest)
