from celery import shared_task

from .retention import retention_run


@shared_task(name="privacy.retention")
def retention() -> dict[str, int]:
    """Delete what the retention rules say has been kept long enough. Safe to run twice."""
    return retention_run()
