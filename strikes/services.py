"""Writes to the shared records. Each runs in one transaction; history records who did it.

A large CSV import is started and confirmed here, queuing its task on commit (strikes.tasks);
the import itself is strikes.csv_import, which does not import this module: the imports run
one way, services to tasks to csv_import.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from clps.models import CLP, User
from clps.postcodes import normalise_postcode, postcode_district

from . import csv_import, tasks
from .models import (
    ActionDay,
    ActionKind,
    Ballot,
    Branch,
    CsvImport,
    CsvImportStatus,
    Dispute,
    Employer,
    FollowedDispute,
    Union,
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
def record_save(
    *, record: Union | Branch | Employer | Workplace
) -> Union | Branch | Employer | Workplace:
    """A union, branch, employer or workplace as the TULO wrote it on the records page."""
    if isinstance(record, Workplace):
        return workplace_save(workplace=record)
    record.save()
    return record


@transaction.atomic
def dispute_save(
    *,
    clp: CLP,
    user: User | None,
    dispute: Dispute,
    unions: Iterable[Union],
    branches: Iterable[Branch],
    workplaces: Iterable[Workplace],
    new_employer: str = "",
) -> Dispute:
    """A dispute the TULO added or edited, at a new employer if they typed one's name.

    A dispute the TULO adds is one the CLP cares about, even if not local: unless it is
    national, the CLP follows it.
    """
    adding = dispute.pk is None
    if new_employer.strip():
        dispute.employer, _ = Employer.objects.get_or_create(name=new_employer.strip())
    dispute.save()
    dispute.unions.set(unions)
    dispute.branches.set(branches)
    dispute.workplaces.set(workplaces)
    if adding and not dispute.is_national:
        dispute_follow(clp=clp, dispute=dispute, user=user)
    return dispute


def _dispute_updated(dispute: Dispute, *, at: datetime.datetime) -> None:
    """A change to a dispute's ballots or days counts as a change to the dispute: the TULO's
    list of disputes is in order of the latest change."""
    Dispute.objects.filter(pk=dispute.pk).update(updated_at=at)


def _save_for_dispute(record: Ballot | ActionDay, dispute: Dispute) -> None:
    record.dispute = dispute
    record.save()
    _dispute_updated(dispute, at=record.updated_at)


@transaction.atomic
def ballot_save(*, ballot: Ballot, dispute: Dispute) -> Ballot:
    _save_for_dispute(ballot, dispute)
    return ballot


@transaction.atomic
def action_day_save(*, action_day: ActionDay, dispute: Dispute) -> ActionDay:
    _save_for_dispute(action_day, dispute)
    return action_day


@transaction.atomic
def dispute_follow(*, clp: CLP, dispute: Dispute, user: User | None) -> None:
    FollowedDispute.objects.get_or_create(clp=clp, dispute=dispute, defaults={"created_by": user})


@transaction.atomic
def dispute_unfollow(*, clp: CLP, dispute: Dispute) -> None:
    FollowedDispute.objects.filter(clp=clp, dispute=dispute).delete()


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
        _dispute_updated(dispute, at=created[-1].updated_at)
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
