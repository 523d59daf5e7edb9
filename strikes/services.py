"""Writes to the shared records. Each runs in one transaction; history records who did it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clps.models import CLP, User
from clps.postcodes import normalise_postcode, postcode_district

from . import csv_import, tasks
from .models import (
    ActionDay,
    ActionKind,
    CsvImport,
    CsvImportStatus,
    Dispute,
    FollowedDispute,
    Workplace,
)


@transaction.atomic
def workplace_save(*, workplace: Workplace) -> Workplace:
    workplace.postcode = normalise_postcode(workplace.postcode)
    workplace.postcode_district = postcode_district(workplace.postcode)
    workplace.full_clean()
    workplace.save()
    return workplace


@transaction.atomic
def dispute_follow(*, clp: CLP, dispute: Dispute, user: User | None) -> None:
    FollowedDispute.objects.get_or_create(clp=clp, dispute=dispute, defaults={"created_by": user})


@transaction.atomic
def dispute_unfollow(*, clp: CLP, dispute: Dispute) -> None:
    FollowedDispute.objects.filter(clp=clp, dispute=dispute).delete()


def days_in_range(
    start: datetime.date, end: datetime.date, weekdays: set[int] | None = None
) -> list[datetime.date]:
    """Every date from start to end inclusive, keeping only `weekdays` (0 = Monday) if given."""
    if end < start:
        raise ValidationError("The last day is before the first day: swap them round.")
    if (end - start).days > 366:
        raise ValidationError("That range is longer than a year: add action days a year at a time.")
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    return [d for d in days if weekdays is None or d.weekday() in weekdays]


@transaction.atomic
def action_days_add(
    *,
    dispute: Dispute,
    dates: list[datetime.date],
    kind: str = ActionKind.STRIKE,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    note: str = "",
) -> tuple[list[ActionDay], list[datetime.date]]:
    """Add an action day on each date; dates the dispute already has for that kind are skipped.

    Returns (created, skipped).
    """
    existing = set(
        ActionDay.objects.filter(dispute=dispute, kind=kind, date__in=dates).values_list(
            "date", flat=True
        )
    )
    created = []
    for day in dates:
        if day in existing:
            continue
        action_day = ActionDay(
            dispute=dispute,
            date=day,
            kind=kind,
            start_time=start_time,
            end_time=end_time,
            note=note,
        )
        action_day.full_clean()
        action_day.save()
        created.append(action_day)
    if created:
        Dispute.objects.filter(pk=dispute.pk).update(updated_at=created[-1].updated_at)
    return created, sorted(existing)


def csv_import_start(
    *, clp: CLP, user: User, kind: str, text: str, filename: str = ""
) -> CsvImport:
    """Record a large file as a job and queue its check once the job is committed."""
    with transaction.atomic():
        job = CsvImport.objects.create(
            clp=clp,
            created_by=user,
            kind=kind,
            text=text,
            filename=filename[:200],
            rows_total=csv_import.count_rows(text),
        )
        tasks.csv_import_check.delay_on_commit(job.pk)
    return job


def csv_import_confirm(*, job: CsvImport) -> bool:
    """The TULO confirmed a checked file: queue its import. A second click does nothing."""
    with transaction.atomic():
        started = CsvImport.objects.filter(pk=job.pk, status=CsvImportStatus.READY).update(
            status=CsvImportStatus.APPLYING, rows_done=0, updated_at=timezone.now()
        )
        if started:
            tasks.csv_import_apply.delay_on_commit(job.pk)
    return bool(started)
