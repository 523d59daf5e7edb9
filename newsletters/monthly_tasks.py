"""Jobs for the monthly union-updates section. They take ids and call a service; running one
twice does no harm."""

import datetime

from celery import shared_task

from clps.models import CLP

from . import services


@shared_task(name="newsletters.build_section", acks_late=True)
def build_section(clp_id: int, month: str) -> int:
    """Draft the CLP's section for the month (an ISO date, its first day) if not yet drafted."""
    clp = CLP.objects.get(pk=clp_id)
    section, _ = services.section_build(clp=clp, month=datetime.date.fromisoformat(month))
    return section.pk


@shared_task(name="newsletters.send_section_to_editor", bind=True, acks_late=True, max_retries=10)
def send_section_to_editor(self, version_id: int) -> bool:
    """Email an approved version to the newsletter editor; retried with growing waits while the
    email service fails. It is sent at most once however often this runs."""
    try:
        return services.section_send_to_editor(version_id=version_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc
