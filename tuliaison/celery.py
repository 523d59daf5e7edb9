import gc
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuliaison.settings.local")

app = Celery("tuliaison")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(task=None, **kwargs) -> None:
    """Around each task, as Django does around each request: a connection past CONN_MAX_AGE or
    broken (the database restarted) is closed, and the next query checks the rest. Not for a
    task run eagerly, inside its caller's transaction."""
    if task is not None and not task.request.is_eager:
        close_old_connections()


# How many allocations (less deallocations) start a collection of the youngest generation.
GC_YOUNG_THRESHOLD = 10_000


@worker_init.connect
def tune_garbage_collector(**kwargs) -> None:
    """In the worker's main process, before it forks its pool: everything loaded so far
    (Django and the apps' code) is set aside from the cyclic garbage collector, which
    would otherwise walk it in every full collection (and, walking it in each pool process,
    copy the pages they share), and the youngest generation is collected every 10,000
    allocations rather than Python's 700. The pool processes inherit both. The weekly send
    makes and drops thousands of small objects a CLP (each recipient's merge data and headers): it
    spent about a tenth of its time collecting."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
