"""A large file as a background job: a Celery worker checks it, then imports it once the TULO
confirms, recording progress on the CsvImport row for the page to poll.

strikes.services queues the jobs (csv_import_start, csv_import_confirm); strikes.tasks runs them.
"""

import logging
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from ..models import CsvImport, CsvImportStatus
from .importing import check, import_apply
from .plan import ImportInvalid, Problem

logger = logging.getLogger(__name__)

# Above this many rows a file is checked and applied by a Celery worker, with a progress bar.
BACKGROUND_ROWS = 500
PROGRESS_EVERY_SECONDS = 0.5


class JobProgress:
    """Records how many rows a job has done, at most every PROGRESS_EVERY_SECONDS.

    While the import's own transaction is open, its writes stay invisible to the page that
    polls, so on PostgreSQL progress goes through a second connection that commits at once.
    (On SQLite a second writer would wait for the import's lock: there the bar moves while
    checking and jumps to the end when the import commits.)
    """

    def __init__(self, job_id: int, total: int):
        self.job_id = job_id
        self.total = total
        self._last = 0.0
        self._aside: BaseDatabaseWrapper | None = None

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_SECONDS:
            return
        self._last = now
        done = min(done, self.total)
        if not connection.in_atomic_block:
            CsvImport.objects.filter(pk=self.job_id).update(rows_done=done)
        elif connection.vendor == "postgresql":
            if self._aside is None:
                self._aside = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self._aside.ops.quote_name(CsvImport._meta.db_table)
            with self._aside.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET rows_done = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                    [done, timezone.now(), self.job_id],
                )

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()


def _job_failed(job_id: int) -> None:
    CsvImport.objects.filter(pk=job_id).update(
        status=CsvImportStatus.FAILED,
        rows_done=0,
        errors=[
            Problem(
                None, "Something went wrong on our side and nothing was imported. Try again."
            ).as_dict()
        ],
        error_count=1,
        updated_at=timezone.now(),
    )


def import_job_check(*, job_id: int) -> None:
    """Check a job's file, recording progress, then mark it ready or list its rows to fix."""
    job = CsvImport.objects.filter(pk=job_id, status=CsvImportStatus.CHECKING).first()
    if job is None:
        return  # already checked, or deleted
    progress = JobProgress(job.pk, job.rows_total)
    try:
        plan = check(kind=job.kind, text=job.text, progress=progress)
    except Exception:
        logger.exception("CSV import %s: the check failed", job_id)
        _job_failed(job_id)
        return
    finally:
        progress.close()
    fields = plan.job_fields()
    CsvImport.objects.filter(pk=job.pk, status=CsvImportStatus.CHECKING).update(
        status=CsvImportStatus.READY if plan.ok else CsvImportStatus.INVALID,
        rows_done=fields["rows_total"],
        updated_at=timezone.now(),
        **fields,
    )


def _lock_job(job_id: int) -> None:
    """Hold a lock on the job until the transaction ends, so two runs of one job take turns.

    Not the row lock: progress is written to the job row from a second connection meanwhile.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5453, job_id % 2**31])


def import_job_apply(*, job_id: int) -> None:
    """Import a confirmed job's file, all or nothing; safe to run twice."""
    job = CsvImport.objects.filter(pk=job_id, status=CsvImportStatus.APPLYING).first()
    if job is None:
        return
    progress = JobProgress(job.pk, job.rows_total)
    try:
        with transaction.atomic():
            _lock_job(job.pk)
            # Another run of this task may have finished it while this one waited.
            if not CsvImport.objects.filter(pk=job.pk, status=CsvImportStatus.APPLYING).exists():
                return
            plan = import_apply(
                kind=job.kind, text=job.text, user=job.created_by, progress=progress
            )
            fields = plan.job_fields()
            CsvImport.objects.filter(pk=job.pk).update(
                status=CsvImportStatus.DONE,
                rows_done=fields["rows_total"],
                updated_at=timezone.now(),
                **fields,
            )
    except ImportInvalid as exc:
        fields = exc.plan.job_fields()
        fields["rows_total"] = max(fields["rows_total"], job.rows_total)
        CsvImport.objects.filter(pk=job.pk).update(
            status=CsvImportStatus.INVALID, rows_done=0, updated_at=timezone.now(), **fields
        )
    except Exception:
        logger.exception("CSV import %s: the import failed; nothing was written", job_id)
        _job_failed(job_id)
    finally:
        progress.close()
