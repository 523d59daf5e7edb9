"""Reading the text of a CSV file: its size, its encoding, its records and its header."""

import csv
import io
import re
from collections.abc import Iterator

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from ..models import CsvImportKind
from .columns import COLUMNS, REQUIRED
from .parsing import listed, quoted
from .plan import Plan

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class ImportRefused(Exception):
    """The file as a whole cannot be read: too big, not UTF-8, too many rows."""


def read_upload(upload: UploadedFile) -> str:
    """The text of an uploaded CSV file, or ImportRefused saying what to do about it."""
    size = upload.size
    if size is None:  # never for a file sent with a form: Django counts it as it arrives
        raise ImportRefused("This file did not arrive whole: upload it again.")
    if size > MAX_BYTES:
        raise ImportRefused(
            f"This file is {filesizeformat(size)}: the most is "
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


def _column_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def read_rows(
    plan: Plan,
    text: str,
    *,
    columns: list[str] | None = None,
    required: list[str] | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """The rows of the file as {column: value}; header problems stop there. A format of
    another app gives its own columns and required ones."""
    own_format = columns is None
    columns = COLUMNS[plan.kind] if columns is None else columns
    required = REQUIRED[plan.kind] if required is None else required
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
    missing = [c for c in required if c not in names]
    unknown = [n for n in names if n and n not in columns]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    example = ", ".join(columns)
    if missing:
        plan.error(
            header_line,
            f"the header has no {listed(missing)} column{'s' if len(missing) > 1 else ''}. "
            f"The first line must name the columns: {example}",
        )
    if unknown:
        plan.error(
            header_line,
            f"unknown column{'s' if len(unknown) > 1 else ''} {listed(unknown)}: "
            f"the columns are {', '.join(columns)}",
        )
    for name in repeated:
        plan.error(header_line, f"the column {quoted(name)} appears more than once")
    other = next(k for k in COLUMNS if k != plan.kind)
    if own_format and (missing or unknown) and all(c in names for c in REQUIRED[other]):
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
