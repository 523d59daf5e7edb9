"""Importing action days: each row names a dispute (by id or exact title) and a date.

A day the dispute already has, of the same kind, is skipped; so is a row repeating an earlier
one. Days are written in chunks, each with its history, and the disputes are marked updated.
"""

import datetime
from dataclasses import dataclass

from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clps import public_cache
from clps.models import User

from ..models import ActionDay, ActionKind, Dispute
from .parsing import parse_date, parse_kind, parse_time, parse_yes_no, quoted, within_limit
from .plan import Plan, Progress

WRITE_CHUNK = 200


@dataclass
class DayValues:
    """A row's values, once they check."""

    date: datetime.date
    kind: str
    start_time: datetime.time | None
    end_time: datetime.time | None
    note: str
    cancelled: bool


@dataclass
class ActionDayRow(DayValues):
    """A row that checks, with its line and the one dispute it names: what the import writes."""

    line: int
    dispute: Dispute

    @property
    def key(self) -> tuple:
        return (self.dispute.pk, self.date, self.kind)

    @property
    def details(self) -> tuple:
        return (self.start_time, self.end_time, self.note, self.cancelled)


def _day(day: datetime.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _resolve_disputes(refs: set[str]) -> dict[str, list[Dispute]]:
    """Each reference (an id or a title) to the disputes it could mean."""
    ids = {int(r) for r in refs if r.isdigit() and len(r) < 18}
    by_id = Dispute.objects.only("id", "title").in_bulk(ids)
    titles = {r.lower() for r in refs}
    by_title: dict[str, list[Dispute]] = {}
    for dispute in (
        Dispute.objects.annotate(title_lower=Lower("title"))
        .filter(title_lower__in=titles)
        .only("id", "title")
        .order_by("pk")
    ):
        by_title.setdefault(dispute.title.lower(), []).append(dispute)
    found = {}
    for ref in refs:
        if ref.isdigit() and int(ref) in by_id:
            found[ref] = [by_id[int(ref)]]
            continue
        matches = by_title.get(ref.lower(), [])
        exact = [d for d in matches if d.title == ref]
        found[ref] = exact or matches
    return found


def check(plan: Plan, rows: list[tuple[int, dict]], progress: Progress | None) -> None:
    today = timezone.localdate()
    # Each row's line and dispute reference, with its values if they check: a row with a
    # problem still has its dispute looked up, so that a row with two problems names both.
    parsed: list[tuple[int, str, DayValues | None]] = []
    for n, (line, values) in enumerate(rows, start=1):
        if progress and n % 100 == 0:
            progress(n)
        errors_before = plan.error_count
        ref = values["dispute"]
        if not ref:
            plan.error(line, "the dispute is missing: give the dispute's id or its exact title")
        day, problem = parse_date(values["date"], today)
        if problem:
            plan.error(line, problem)
        kind, problem = parse_kind(values["kind"])
        if problem:
            plan.error(line, problem)
        start, problem = parse_time("start", values["start"])
        if problem:
            plan.error(line, problem)
        end, problem = parse_time("end", values["end"])
        if problem:
            plan.error(line, problem)
        if start and end and end <= start:
            plan.error(
                line,
                f"end {end:%H:%M} is not after start {start:%H:%M}: for a shift that ends after "
                "midnight, leave the end blank and say so in the note",
            )
        note = within_limit(plan, line, "the note", values["note"], 300)
        cancelled, problem = parse_yes_no("cancelled", values["cancelled"])
        if problem:
            plan.error(line, problem)
        if plan.error_count == errors_before and day is not None and kind is not None:
            parsed.append((line, ref, DayValues(day, kind, start, end, note, cancelled)))
        elif ref:
            parsed.append((line, ref, None))

    disputes = _resolve_disputes({ref for _, ref, _ in parsed})
    good: list[ActionDayRow] = []
    for line, ref, checked in parsed:
        matches = disputes[ref]
        if not matches:
            what = "has the id" if ref.isdigit() else "is called"
            plan.error(
                line,
                f"no dispute {what} {quoted(ref)}: check it against the "
                "dispute's page, or give the dispute's id",
            )
        elif len(matches) > 1:
            ids = ", ".join(str(d.pk) for d in matches[:5])
            plan.error(
                line,
                f"{len(matches)} disputes are called {quoted(ref)}: give the id of "
                f"the one you mean ({ids})",
            )
        elif checked is not None:
            good.append(ActionDayRow(line=line, dispute=matches[0], **vars(checked)))

    existing = set()
    if good:
        existing = set(
            ActionDay.objects.filter(
                dispute_id__in={row.dispute.pk for row in good},
                date__gte=min(row.date for row in good),
                date__lte=max(row.date for row in good),
            ).values_list("dispute_id", "date", "kind")
        )
    seen: dict[tuple, ActionDayRow] = {}
    for row in good:
        label = ActionKind(row.kind).label.lower()
        if row.key in existing:
            plan.skip(
                row.line,
                f"{row.dispute.title}: the {label} day on {_day(row.date)} is already "
                "recorded, so this row is skipped",
            )
        elif earlier := seen.get(row.key):
            if earlier.details == row.details:
                plan.skip(row.line, f"the same as line {earlier.line}, so this row is skipped")
            else:
                plan.error(
                    row.line,
                    f"line {earlier.line} already has a {label} day for this dispute on "
                    f"{_day(row.date)}, with different details: keep one of the two rows",
                )
        else:
            seen[row.key] = row
            plan.items.append(row)

    by_dispute: dict[int, dict] = {}
    for row in plan.items:
        entry = by_dispute.setdefault(
            row.dispute.pk,
            {
                "id": row.dispute.pk,
                "title": row.dispute.title,
                "strike": 0,
                "asos": 0,
                "cancelled": 0,
                "first": row.date,
                "last": row.date,
            },
        )
        entry[row.kind] += 1
        entry["cancelled"] += row.cancelled
        entry["first"] = min(entry["first"], row.date)
        entry["last"] = max(entry["last"], row.date)
    for entry in by_dispute.values():
        entry["first"], entry["last"] = _day(entry["first"]), _day(entry["last"])
    plan.summary = {"create": len(plan.items), "disputes": list(by_dispute.values())}


def write(plan: Plan, user: User | None, progress: Progress | None) -> None:
    done = plan.skipped_count
    rows = plan.items
    for start in range(0, len(rows), WRITE_CHUNK):
        chunk = [
            ActionDay(
                dispute_id=row.dispute.pk,
                date=row.date,
                kind=row.kind,
                start_time=row.start_time,
                end_time=row.end_time,
                note=row.note,
                cancelled=row.cancelled,
            )
            for row in rows[start : start + WRITE_CHUNK]
        ]
        create_chunk(chunk, user)
        done += len(chunk)
        if progress:
            progress(done)
    touched = {row.dispute.pk for row in rows}
    if touched:
        Dispute.objects.filter(pk__in=touched).update(updated_at=timezone.now())


def create_chunk(chunk: list[ActionDay], user: User | None) -> None:
    bulk_create_with_history(chunk, ActionDay, default_user=user)
    # bulk_create sends no signals: the public pages showing these days must still change.
    public_cache.bump_shared()
