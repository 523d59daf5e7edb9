from celery import shared_task

from . import services


@shared_task(name="pickets.send_picket_reminders")
def send_picket_reminders() -> int:
    return services.send_due_reminders()


@shared_task(name="pickets.build_report_pdf", acks_late=True)
def build_report_pdf(job_id: int) -> None:
    from .pdf import build_report_pdf as build

    build(job_id)
