import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
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
