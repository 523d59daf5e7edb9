"""Background work on the shared records. Tasks take ids and call a service; each can run
twice and do no harm."""

from celery import shared_task

from . import csv_import


@shared_task(name="strikes.tasks.csv_import_check", ignore_result=True)
def csv_import_check(job_id: int) -> None:
    csv_import.import_job_check(job_id=job_id)


@shared_task(name="strikes.tasks.csv_import_apply", ignore_result=True)
def csv_import_apply(job_id: int) -> None:
    csv_import.import_job_apply(job_id=job_id)
