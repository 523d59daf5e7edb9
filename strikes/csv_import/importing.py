"""Checking a file and importing it, whatever its kind: the entry points views and jobs call."""

from django.db import IntegrityError, transaction

from clps.models import User

from ..models import CsvImportKind
from . import action_days, disputes
from .plan import Checker, ImportInvalid, Plan, Progress, Writer
from .reading import read_rows

# Keyed by a kind's value, as the form or the job gives it.
CHECKERS: dict[str, Checker] = {
    CsvImportKind.ACTION_DAYS: action_days.check,
    CsvImportKind.DISPUTES: disputes.check,
}
WRITERS: dict[str, Writer] = {
    CsvImportKind.ACTION_DAYS: action_days.write,
    CsvImportKind.DISPUTES: disputes.write,
}


def check(*, kind: str, text: str, progress: Progress | None = None) -> Plan:
    """Every problem in the file, by line, and what the good rows would add. Writes nothing."""
    plan = Plan(kind=kind)
    rows = read_rows(plan, text)
    if rows:
        CHECKERS[kind](plan, rows, progress)
    plan.sort()
    if not plan.ok:
        plan.items = []
    return plan


def import_apply(
    *,
    kind: str,
    text: str,
    user: User | None,
    progress: Progress | None = None,
) -> Plan:
    """Check the file again and write it in one transaction: every row, or none.

    Raises ImportInvalid (having written nothing) if any row needs fixing.
    """
    try:
        with transaction.atomic():
            plan = check(kind=kind, text=text)
            if not plan.ok:
                raise ImportInvalid(plan)
            WRITERS[kind](plan, user, progress)
    except IntegrityError as exc:
        # Someone else recorded some of the same things while this ran.
        plan = Plan(kind=kind)
        plan.error(
            None,
            "Some of these records were added by someone else while this import ran, so "
            "nothing was imported. Preview the file again: rows already recorded are skipped.",
        )
        raise ImportInvalid(plan) from exc
    return plan


def result_message(plan: Plan) -> str:
    what = "action day" if plan.kind == CsvImportKind.ACTION_DAYS else "dispute"
    created = plan.summary.get("create", 0)
    message = f"Imported {created} {what}{'' if created == 1 else 's'}."
    if plan.skipped_count:
        lines = ", ".join(str(p.line) for p in plan.skipped[:20])
        more = "…" if plan.skipped_count > 20 else ""
        were = "was" if plan.skipped_count == 1 else "were"
        message += (
            f" {plan.skipped_count} {were} already recorded and skipped "
            f"(line{'s' if plan.skipped_count > 1 else ''} {lines}{more})."
        )
    return message
