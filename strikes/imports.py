"""The TULO's CSV import of disputes and action days: read, check every row, then apply.

An import is all or nothing. A file is checked in full before anything is written; applying it
checks it again inside the one transaction that writes it, so a row that went bad since the
preview (a dispute deleted, say) stops the whole file. Rows that repeat what is already
recorded are skipped and reported, not treated as errors.

Small files are checked and applied during the request. Files of more than BACKGROUND_ROWS rows
are a CsvImport job that a Celery worker checks and applies (strikes.tasks), recording its
progress on the job row for the page to poll.
"""

import csv
import datetime
import difflib
import io
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clps.models import CLP
from clps.postcodes import is_postcode, normalise_postcode

from .models import (
    ActionDay,
    ActionKind,
    CsvImport,
    CsvImportKind,
    CsvImportStatus,
    Dispute,
    DisputeStatus,
    Employer,
    Issue,
    Union,
    Workplace,
)
from .services import workplace_save

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Above this many rows a file is checked and applied by a Celery worker, with a progress bar.
BACKGROUND_ROWS = 500
# How many problems (or skipped rows) a preview lists; the rest are counted.
MAX_LISTED = 500
WRITE_CHUNK = 200
PROGRESS_EVERY_SECONDS = 0.5
YEARS_BACK = 5
YEARS_AHEAD = 2

COLUMNS = {
    CsvImportKind.ACTION_DAYS: ["dispute", "date", "kind", "start", "end", "note", "cancelled"],
    CsvImportKind.DISPUTES: [
        "title",
        "employer",
        "unions",
        "status",
        "national",
        "issues",
        "demands",
        "hardship_fund_url",
        "workplace",
        "postcode",
    ],
}
REQUIRED = {
    CsvImportKind.ACTION_DAYS: ["dispute", "date"],
    CsvImportKind.DISPUTES: ["title", "employer", "unions"],
}

# What each column holds, for the import page.
COLUMN_HELP = {
    CsvImportKind.ACTION_DAYS: [
        ("dispute", "The dispute's id, or its exact title."),
        ("date", "2026-03-14 or 14/03/2026."),
        ("kind", "strike or asos (action short of strike). Blank means strike."),
        ("start", "Start time, such as 07:00. Optional."),
        ("end", "End time, after the start. Optional."),
        ("note", "Up to 300 characters. Optional."),
        ("cancelled", "yes or no. Blank means no."),
    ],
    CsvImportKind.DISPUTES: [
        ("title", "What the dispute is called, up to 200 characters."),
        ("employer", "The employer's name; a new one is added."),
        ("unions", "Union short names, such as CWU;Unite. Each must already be recorded."),
        (
            "status",
            "One of " + ", ".join(DisputeStatus.values) + ". Blank means balloting.",
        ),
        ("national", "yes for a dispute across the country. Blank means no."),
        ("issues", "Any of " + ", ".join(Issue.values) + ", separated by ;"),
        ("demands", "What the workers are asking for. Optional."),
        ("hardship_fund_url", "A link to the hardship fund, starting https://. Optional."),
        ("workplace", "Where it is, such as Stoke Newington delivery office. Optional."),
        ("postcode", "The workplace's postcode, such as N16 7AA. Optional."),
    ],
}

TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
DATE_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATE_UK_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


class ImportRefused(Exception):
    """The file as a whole cannot be read: too big, not UTF-8, too many rows."""


@dataclass(frozen=True)
class Problem:
    """A bad row (or a skipped one): the line of the file it is on, and why."""

    line: int | None
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Plan:
    """What a file would do: the rows to fix, the rows skipped, and the rows ready to write."""

    kind: str
    rows_total: int = 0
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    skipped: list[Problem] = field(default_factory=list)
    skipped_count: int = 0
    summary: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, line: int | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append(Problem(line, message))

    def skip(self, line: int, message: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append(Problem(line, message))

    def sort(self) -> None:
        self.errors.sort(key=lambda p: p.line or 0)
        self.skipped.sort(key=lambda p: p.line or 0)

    @property
    def errors_unlisted(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def skipped_unlisted(self) -> int:
        return self.skipped_count - len(self.skipped)

    def job_fields(self) -> dict:
        return {
            "rows_total": self.rows_total,
            "errors": [p.as_dict() for p in self.errors],
            "error_count": self.error_count,
            "summary": {
                **self.summary,
                "skipped": [p.as_dict() for p in self.skipped],
                "skipped_count": self.skipped_count,
            },
        }

    @classmethod
    def from_job(cls, job: CsvImport) -> "Plan":
        summary = dict(job.summary)
        skipped = summary.pop("skipped", [])
        skipped_count = summary.pop("skipped_count", len(skipped))
        return cls(
            kind=job.kind,
            rows_total=job.rows_total,
            errors=[Problem(**p) for p in job.errors],
            error_count=job.error_count,
            skipped=[Problem(**p) for p in skipped],
            skipped_count=skipped_count,
            summary=summary,
        )


class ImportInvalid(Exception):
    """Raised by import_apply when the file has rows to fix; nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__(f"{plan.error_count} rows to fix")
        self.plan = plan


Progress = Callable[[int], None]


# Reading the text --------------------------------------------------------------------------


def read_upload(upload: UploadedFile) -> str:
    """The text of an uploaded CSV file, or ImportRefused saying what to do about it."""
    if upload.size > MAX_BYTES:
        raise ImportRefused(
            f"This file is {filesizeformat(upload.size)}: the most is "
            f"{filesizeformat(MAX_BYTES)}. Split it into smaller files and import each."
        )
    return decode(upload.read())


def decode(data: bytes) -> str:
    """UTF-8, with or without the byte order mark spreadsheets put at the start."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            "This file is UTF-16 text, not UTF-8. In your spreadsheet, save it as "
            "“CSV UTF-8 (comma delimited)” and upload that."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"This file is not UTF-8 text (byte {exc.start + 1} is not UTF-8). If it is a "
            "spreadsheet or a CSV from an older program, save it as “CSV UTF-8 (comma "
            "delimited)” and upload that."
        ) from exc
    return clean_text(text)


def clean_text(text: str) -> str:
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ImportRefused(
            "This is not plain text: it looks like a spreadsheet file. Save it as "
            "“CSV UTF-8 (comma delimited)” and upload that."
        )
    if len(text.encode()) > MAX_BYTES:
        raise ImportRefused(
            f"That is more than {filesizeformat(MAX_BYTES)} of text. Split it into smaller "
            "files and import each."
        )
    return text


class _Unreadable(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record that is not blank, with the line of the text it starts on.

    Copying cells from a spreadsheet pastes them with tabs between, so a first line with tabs
    and no commas is read as tab-separated.
    """
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unreadable(line + 1, str(exc)) from exc
        start, line = line + 1, reader.line_num
        if any(cell.strip() for cell in record):
            yield start, record


def count_rows(text: str) -> int:
    """Rows under the header (blank lines aside)."""
    count = 0
    try:
        for _ in _records(text):
            count += 1
    except _Unreadable:
        pass
    return max(count - 1, 0)


def prepare(text: str) -> int:
    """Refuse text that is empty or has too many rows; return how many rows it has."""
    if not text.strip():
        raise ImportRefused("There is nothing to import: the file is empty.")
    rows = count_rows(text)
    if rows > MAX_ROWS:
        raise ImportRefused(
            f"There are {rows:,} rows: the most in one import is {MAX_ROWS:,}. Split the file "
            "and import each part."
        )
    return rows


def _quoted(value: str, limit: int = 40) -> str:
    return "'" + (value if len(value) <= limit else value[: limit - 1] + "…") + "'"


def _listed(names: list[str]) -> str:
    quoted = [_quoted(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _column_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def _read(plan: Plan, text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of the file as {column: value}; header problems stop there."""
    columns = COLUMNS[plan.kind]
    records = _records(text)
    try:
        first = next(records, None)
    except _Unreadable as exc:
        plan.error(exc.line, f"this line cannot be read as CSV ({exc})")
        return []
    if first is None:
        plan.error(None, "There is nothing to import: the file is empty.")
        return []
    header_line, header = first
    names = [_column_name(cell) for cell in header]
    missing = [c for c in REQUIRED[plan.kind] if c not in names]
    unknown = [n for n in names if n and n not in columns]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    example = ", ".join(columns)
    if missing:
        plan.error(
            header_line,
            f"the header has no {_listed(missing)} column{'s' if len(missing) > 1 else ''}. "
            f"The first line must name the columns: {example}",
        )
    if unknown:
        plan.error(
            header_line,
            f"unknown column{'s' if len(unknown) > 1 else ''} {_listed(unknown)}: "
            f"the columns are {', '.join(columns)}",
        )
    for name in repeated:
        plan.error(header_line, f"the column {_quoted(name)} appears more than once")
    other = next(k for k in COLUMNS if k != plan.kind)
    if (missing or unknown) and all(c in names for c in REQUIRED[other]):
        plan.error(
            header_line,
            f"this looks like a file of {CsvImportKind(other).label.lower()}: choose "
            f"“{CsvImportKind(other).label}” as what you are importing",
        )
    if plan.errors:
        return []

    rows = []
    try:
        for line, record in records:
            plan.rows_total += 1
            if any(cell.strip() for cell in record[len(names) :]) or any(
                cell.strip() and not name for name, cell in zip(names, record, strict=False)
            ):
                plan.error(
                    line,
                    "there are more values than the header has columns: put double quotes "
                    "round a value that has a comma in it",
                )
                continue
            values = dict.fromkeys(columns, "")
            for name, cell in zip(names, record, strict=False):
                if name:
                    values[name] = cell.strip()
            rows.append((line, values))
    except _Unreadable as exc:
        plan.error(exc.line, f"this line cannot be read as CSV ({exc})")
    if not rows and not plan.errors:
        plan.error(header_line, "there are no rows under the header: add a row for each record")
    return rows


# Checking values ---------------------------------------------------------------------------


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _parse_date(value: str, today: datetime.date) -> tuple[datetime.date | None, str | None]:
    if not value:
        return None, "the date is missing: write it as 2026-03-14 or 14/03/2026"
    if match := DATE_ISO_RE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := DATE_UK_RE.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None, f"date {_quoted(value)} is not a date: write it as 2026-03-14 or 14/03/2026"
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        return None, f"date {_quoted(value)} is not a real date"
    if parsed < _years_from(today, -YEARS_BACK):
        return None, f"date {_quoted(value)} is more than {YEARS_BACK} years ago: check the year"
    if parsed > _years_from(today, YEARS_AHEAD):
        return None, f"date {_quoted(value)} is more than {YEARS_AHEAD} years ahead: check the year"
    return parsed, None


def _parse_time(name: str, value: str) -> tuple[datetime.time | None, str | None]:
    if not value:
        return None, None
    match = TIME_RE.match(value)
    if not match:
        return None, f"{name} {_quoted(value)} is not a time: write it as 07:00"
    try:
        return datetime.time(int(match.group(1)), int(match.group(2))), None
    except ValueError:
        return None, f"{name} {_quoted(value)} is not a real time"


def _parse_yes_no(name: str, value: str) -> tuple[bool, str | None]:
    word = value.lower()
    if word in TRUE_WORDS:
        return True, None
    if word in FALSE_WORDS:
        return False, None
    return False, f"{name} {_quoted(value)} should be yes or no, or left blank"


def _parse_kind(value: str) -> tuple[str | None, str | None]:
    word = value.lower().replace("_", " ")
    if word in ("", "strike"):
        return ActionKind.STRIKE, None
    if word in ("asos", "action short of strike"):
        return ActionKind.ASOS, None
    return None, f"kind {_quoted(value)} should be strike or asos (action short of strike)"


def _choice_lookup(choices: type) -> dict[str, str]:
    """Accept a choice's value or its label, in any case."""
    lookup = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        lookup[value.lower().replace("_", " ")] = value
        lookup[str(label).lower()] = value
    return lookup


def _text(plan: Plan, line: int, name: str, value: str, limit: int) -> str:
    if len(value) > limit:
        plan.error(line, f"{name} is {len(value)} characters long: the most is {limit}")
    return value


# Action days -------------------------------------------------------------------------------


@dataclass
class ActionDayRow:
    line: int
    dispute_ref: str
    date: datetime.date | None
    kind: str | None
    start_time: datetime.time | None
    end_time: datetime.time | None
    note: str
    cancelled: bool
    dispute: Dispute | None = None

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


def _check_action_days(plan: Plan, rows: list[tuple[int, dict]], progress: Progress | None) -> None:
    today = timezone.localdate()
    parsed: list[ActionDayRow] = []
    for n, (line, values) in enumerate(rows, start=1):
        if progress and n % 100 == 0:
            progress(n)
        errors_before = plan.error_count
        ref = values["dispute"]
        if not ref:
            plan.error(line, "the dispute is missing: give the dispute's id or its exact title")
        day, problem = _parse_date(values["date"], today)
        if problem:
            plan.error(line, problem)
        kind, problem = _parse_kind(values["kind"])
        if problem:
            plan.error(line, problem)
        start, problem = _parse_time("start", values["start"])
        if problem:
            plan.error(line, problem)
        end, problem = _parse_time("end", values["end"])
        if problem:
            plan.error(line, problem)
        if start and end and end <= start:
            plan.error(
                line,
                f"end {end:%H:%M} is not after start {start:%H:%M}: for a shift that ends after "
                "midnight, leave the end blank and say so in the note",
            )
        note = _text(plan, line, "the note", values["note"], 300)
        cancelled, problem = _parse_yes_no("cancelled", values["cancelled"])
        if problem:
            plan.error(line, problem)
        if plan.error_count == errors_before:
            parsed.append(ActionDayRow(line, ref, day, kind, start, end, note, cancelled))
        elif ref:
            # Still look the dispute up, so a row with two problems names both.
            parsed.append(ActionDayRow(line, ref, None, None, None, None, "", False))

    disputes = _resolve_disputes({row.dispute_ref for row in parsed})
    good = []
    for row in parsed:
        matches = disputes[row.dispute_ref]
        if not matches:
            what = "has the id" if row.dispute_ref.isdigit() else "is called"
            plan.error(
                row.line,
                f"no dispute {what} {_quoted(row.dispute_ref)}: check it against the "
                "dispute's page, or give the dispute's id",
            )
        elif len(matches) > 1:
            ids = ", ".join(str(d.pk) for d in matches[:5])
            plan.error(
                row.line,
                f"{len(matches)} disputes are called {_quoted(row.dispute_ref)}: give the id of "
                f"the one you mean ({ids})",
            )
        elif row.date is not None:
            row.dispute = matches[0]
            good.append(row)

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


def _write_action_days(plan: Plan, user: AbstractBaseUser | None, progress: Progress | None):
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
        _create_action_days(chunk, user)
        done += len(chunk)
        if progress:
            progress(done)
    touched = {row.dispute.pk for row in rows}
    if touched:
        Dispute.objects.filter(pk__in=touched).update(updated_at=timezone.now())


def _create_action_days(chunk: list[ActionDay], user: AbstractBaseUser | None) -> None:
    bulk_create_with_history(chunk, ActionDay, default_user=user)


# Disputes ----------------------------------------------------------------------------------


@dataclass
class DisputeRow:
    line: int
    title: str
    employer_name: str
    employer: Employer | None
    unions: list[Union]
    status: str
    is_national: bool
    issues: list[str]
    demands: str
    hardship_fund_url: str
    workplace_name: str
    workplace: Workplace | None
    postcode: str


def _check_disputes(plan: Plan, rows: list[tuple[int, dict]], progress: Progress | None) -> None:
    unions = {u.short_name.lower(): u for u in Union.objects.all()}
    statuses = _choice_lookup(DisputeStatus)
    issues = _choice_lookup(Issue)
    url_ok = URLValidator(schemes=["http", "https"])
    employer_names = {values["employer"].lower() for _, values in rows}
    employers = {
        e.name.lower(): e
        for e in Employer.objects.annotate(name_lower=Lower("name")).filter(
            name_lower__in=employer_names
        )
    }
    existing = set(
        Dispute.objects.annotate(title_lower=Lower("title"), employer_lower=Lower("employer__name"))
        .filter(title_lower__in={values["title"].lower() for _, values in rows})
        .values_list("title_lower", "employer_lower")
    )
    workplaces = {
        (w.employer_id, w.name.lower()): w
        for w in Workplace.objects.annotate(name_lower=Lower("name")).filter(
            employer__in=employers.values(),
            name_lower__in={values["workplace"].lower() for _, values in rows},
        )
    }
    seen: dict[tuple, int] = {}
    for n, (line, values) in enumerate(rows, start=1):
        if progress and n % 100 == 0:
            progress(n)
        errors_before = plan.error_count
        title = _text(plan, line, "the title", values["title"], 200)
        if not title:
            plan.error(line, "the title is missing")
        employer_name = _text(plan, line, "the employer", values["employer"], 200)
        if not employer_name:
            plan.error(line, "the employer is missing")
        row_unions = []
        names = [name.strip() for name in values["unions"].split(";") if name.strip()]
        if not names:
            plan.error(line, "no union is given: name each by its short name, such as CWU;Unite")
        for name in names:
            if union := unions.get(name.lower()):
                row_unions.append(union)
                continue
            close = difflib.get_close_matches(name.lower(), unions, n=1)
            hint = f" (did you mean {unions[close[0]].short_name}?)" if close else ""
            plan.error(
                line,
                f"unknown union {_quoted(name)}{hint}: use a union's short name, or add the "
                "union before importing",
            )
        status = statuses.get(values["status"].lower(), None)
        if not values["status"]:
            status = DisputeStatus.BALLOTING
        elif status is None:
            plan.error(
                line,
                f"status {_quoted(values['status'])} is not one of "
                f"{', '.join(DisputeStatus.values)}",
            )
        is_national, problem = _parse_yes_no("national", values["national"])
        if problem:
            plan.error(line, problem)
        row_issues = []
        for name in (part.strip() for part in values["issues"].split(";")):
            if not name:
                continue
            if name.lower() in issues:
                row_issues.append(issues[name.lower()])
            else:
                plan.error(
                    line,
                    f"unknown issue {_quoted(name)}: use any of {', '.join(Issue.values)}, "
                    "separated by ;",
                )
        url = values["hardship_fund_url"]
        if url:
            try:
                url_ok(url)
                if len(url) > 200:
                    raise ValidationError("too long")
            except ValidationError:
                plan.error(
                    line,
                    f"hardship_fund_url {_quoted(url)} is not a web link: it should start "
                    "https:// (200 characters at most)",
                )
        workplace_name = _text(plan, line, "the workplace", values["workplace"], 200)
        postcode = values["postcode"]
        if postcode and not workplace_name:
            plan.error(line, "a postcode is given but no workplace: name the workplace too")
        elif postcode and not is_postcode(postcode):
            plan.error(line, f"postcode {_quoted(postcode)} is not a UK postcode, like N16 7AA")
        key = (title.lower(), employer_name.lower())
        if title and employer_name and key in seen:
            plan.error(
                line,
                f"line {seen[key]} already has this dispute (the same title and employer): "
                "keep one of the two rows",
            )
        if plan.error_count != errors_before:
            continue
        seen[key] = line
        if key in existing:
            plan.skip(line, f"{title} at {employer_name} is already recorded, so it is skipped")
            continue
        employer = employers.get(employer_name.lower())
        plan.items.append(
            DisputeRow(
                line=line,
                title=title,
                employer_name=employer_name,
                employer=employer,
                unions=row_unions,
                status=status,
                is_national=is_national,
                issues=row_issues,
                demands=values["demands"],
                hardship_fund_url=url,
                workplace_name=workplace_name,
                workplace=(
                    workplaces.get((employer.pk, workplace_name.lower())) if employer else None
                ),
                postcode=normalise_postcode(postcode) if postcode else "",
            )
        )

    listed = [
        {
            "line": row.line,
            "title": row.title,
            "employer": row.employer_name,
            "new_employer": row.employer is None,
            "unions": ", ".join(u.short_name for u in row.unions),
            "status": DisputeStatus(row.status).label,
            "workplace": row.workplace_name,
            "new_workplace": bool(row.workplace_name) and row.workplace is None,
        }
        for row in plan.items[:100]
    ]
    new_employers = sorted({row.employer_name for row in plan.items if row.employer is None})
    plan.summary = {
        "create": len(plan.items),
        "disputes": listed,
        "more": max(len(plan.items) - len(listed), 0),
        "new_employers": new_employers,
    }


def _write_disputes(plan: Plan, user: AbstractBaseUser | None, progress: Progress | None):
    new_employers: dict[str, Employer] = {}
    new_workplaces: dict[tuple, Workplace] = {}
    done = plan.skipped_count
    for row in plan.items:
        try:
            employer = row.employer or new_employers.get(row.employer_name.lower())
            if employer is None:
                employer = Employer(name=row.employer_name)
                employer._history_user = user
                employer.full_clean()
                employer.save()
                new_employers[row.employer_name.lower()] = employer
            dispute = Dispute(
                title=row.title,
                employer=employer,
                status=row.status,
                is_national=row.is_national,
                issues=row.issues,
                demands=row.demands,
                hardship_fund_url=row.hardship_fund_url,
            )
            dispute._history_user = user
            dispute.full_clean()
            dispute.save()
            dispute.unions.set(row.unions)
            if row.workplace_name:
                key = (employer.pk, row.workplace_name.lower())
                workplace = row.workplace or new_workplaces.get(key)
                if workplace is None:
                    workplace = Workplace(
                        employer=employer, name=row.workplace_name, postcode=row.postcode
                    )
                    workplace._history_user = user
                    workplace = workplace_save(workplace=workplace)
                    new_workplaces[key] = workplace
                dispute.workplaces.add(workplace)
        except ValidationError as exc:
            plan.error(row.line, "; ".join(exc.messages))
            raise ImportInvalid(plan) from exc
        done += 1
        if progress:
            progress(done)


# Checking and applying ---------------------------------------------------------------------

CHECKERS = {
    CsvImportKind.ACTION_DAYS: _check_action_days,
    CsvImportKind.DISPUTES: _check_disputes,
}
WRITERS = {
    CsvImportKind.ACTION_DAYS: _write_action_days,
    CsvImportKind.DISPUTES: _write_disputes,
}


def check(*, kind: str, text: str, progress: Progress | None = None) -> Plan:
    """Every problem in the file, by line, and what the good rows would add. Writes nothing."""
    plan = Plan(kind=kind)
    rows = _read(plan, text)
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
    user: AbstractBaseUser | None,
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


# Background jobs ---------------------------------------------------------------------------


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
        self._aside = None

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


def import_job_start(
    *, clp: CLP, user: AbstractBaseUser, kind: str, text: str, filename: str = ""
) -> CsvImport:
    """Record a large file as a job and queue its check once the job is committed."""
    from . import tasks  # tasks imports this module

    with transaction.atomic():
        job = CsvImport.objects.create(
            clp=clp,
            created_by=user,
            kind=kind,
            text=text,
            filename=filename[:200],
            rows_total=count_rows(text),
        )
        tasks.csv_import_check.delay_on_commit(job.pk)
    return job


def import_job_confirm(*, job: CsvImport) -> bool:
    """The TULO confirmed a checked file: queue its import. A second click does nothing."""
    from . import tasks

    with transaction.atomic():
        started = CsvImport.objects.filter(pk=job.pk, status=CsvImportStatus.READY).update(
            status=CsvImportStatus.APPLYING, rows_done=0, updated_at=timezone.now()
        )
        if started:
            tasks.csv_import_apply.delay_on_commit(job.pk)
    return bool(started)


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


def recent_jobs(*, clp: CLP, limit: int = 5) -> list[CsvImport]:
    return list(
        CsvImport.objects.filter(clp=clp)
        .defer("text", "errors", "summary")
        .select_related("created_by")[:limit]
    )


def example_csv(kind: str, today: datetime.date | None = None) -> str:
    """A small file in the format, with dates a few weeks ahead so it checks as it is."""
    today = today or timezone.localdate()
    monday = today + datetime.timedelta(days=28 - today.weekday())
    if kind == CsvImportKind.ACTION_DAYS:
        rows = [
            COLUMNS[kind],
            [
                "Royal Mail delivery office pay",
                monday.isoformat(),
                "strike",
                "07:00",
                "10:00",
                "Picket at the yard gate",
                "",
            ],
            ["Royal Mail delivery office pay", f"{monday + datetime.timedelta(days=1):%d/%m/%Y}"],
            [
                "Royal Mail delivery office pay",
                f"{monday + datetime.timedelta(days=7):%d/%m/%Y}",
                "asos",
                "",
                "",
                "Overtime ban",
                "no",
            ],
        ]
    else:
        rows = [
            COLUMNS[kind],
            [
                "Royal Mail delivery office pay",
                "Royal Mail",
                "CWU",
                "taking_action",
                "no",
                "pay;conditions",
                "A pay rise in line with inflation",
                "https://example.org/hardship-fund",
                "Stoke Newington delivery office",
                "N16 7AA",
            ],
            ["Hospital cleaners' outsourcing", "Homerton Healthcare", "UNISON;GMB", "balloting"],
        ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row + [""] * (len(COLUMNS[kind]) - len(row)))
    return out.getvalue()
