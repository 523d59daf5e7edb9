from celery import shared_task

from . import services


@shared_task(name="privacy.retention")
def retention() -> dict[str, int]:
    """Delete what the retention rules say has been kept long enough. Safe to run twice."""
    return services.retention_run()
