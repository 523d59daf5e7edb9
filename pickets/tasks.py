"""The pickets app's jobs: they take ids and call a module that does the work."""

from celery import shared_task

from . import invitations, reminders


@shared_task(name="pickets.send_picket_reminders")
def send_picket_reminders() -> int:
    """The evening before: everyone going, and the representatives who said they'd come."""
    return reminders.send_due_reminders() + invitations.send_due_reminders()


@shared_task(name="pickets.build_report_pdf", acks_late=True)
def build_report_pdf(job_id: int) -> None:
    # WeasyPrint is loaded by the worker that makes a PDF, not by every process that starts.
    from .pdf import build_report_pdf as build

    build(job_id)
