"""The monthly section's one task, which the tick enqueues for each section due: it takes ids and
calls a service, and running it twice drafts the section once."""

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
