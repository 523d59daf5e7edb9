from celery import shared_task

from . import services


@shared_task(name="newsletters.delete_stale_pending")
def delete_stale_pending() -> int:
    """Forget sign-ups nobody confirmed within 30 days: the address may not be theirs."""
    return services.pending_delete_stale()
