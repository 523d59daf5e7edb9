"""The import of the CLP's elected representatives fed hostile values in every column, and
malformed files, as the dispute import is: no server error, a clear message naming the line,
and either every row imported or none."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pickets import rep_import
from pickets.models import Representative
from strikes import csv_import

from .corpus import CORPUS, active_content, shown
from .crawl import snapshot, urlencoded
from .test_import_hostile import page_text

pytestmark = pytest.mark.django_db

# The kind of value each column holds, beyond text: it gets that part of the corpus too.
COLUMN_KINDS = {"email": "email", "active_from": "date", "active_until": "date"}
# Columns kept as text: an accepted value must read back as it was given.
TEXT_COLUMNS = {"area", "party"}


def good_row(n: int) -> dict[str, str]:
    return {
        "name": f"Councillor {n}",
        "office": "councillor",
        "area": "Clissold",
        "email": f"cllr{n}@example.org",
    }


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, rep_import.COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def _cases():
    for column in rep_import.COLUMNS:
        for value in CORPUS["text"] + CORPUS.get(COLUMN_KINDS.get(column, ""), []):
            yield pytest.param(column, value, id=f"{column}-{shown(value)}")


@pytest.fixture
def tulo_client(client, seeded):
    client.force_login(seeded.tulo)
    return client


def start(client, seeded, text: str | bytes):
    url = reverse("pickets:representatives_import", args=[seeded.clp.slug])
    if isinstance(text, bytes):
        upload = SimpleUploadedFile("hostile.csv", text, content_type="text/csv")
        return client.post(url, {"text": "", "file": upload})
    body = urlencoded([("text", text)])
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def apply(client, seeded, text: str):
    url = reverse("pickets:representatives_import_apply", args=[seeded.clp.slug])
    body = urlencoded([("text", text)])
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize(("column", "value"), list(_cases()))
def test_a_hostile_value_in_any_column_is_refused_by_line_or_imported_whole(
    tulo_client, seeded, column, value
):
    """Line 2 is good; line 3 has the hostile value. Either the file is refused naming line 3
    and nothing is written, or both rows go in and the value reads back as it was given."""
    rows = [good_row(1), good_row(2)]
    if isinstance(value, bytes):
        text = csv_text(rows).encode().rstrip(b"\n") + value + b"\n"
    else:
        rows[1][column] = value
        text = csv_text(rows)
    before = snapshot()
    listed = Representative.objects.count()

    preview = start(tulo_client, seeded, text)

    assert preview.status_code == 200
    markup = preview.content.decode(errors="replace")
    assert not active_content(markup)
    assert snapshot() == before, "the preview wrote something"
    if 'class="errorlist' in markup:
        assert ("not UTF-8" in page_text(preview)) == isinstance(value, bytes)
        return
    assert not isinstance(value, bytes)
    if re.search(r'role="alert">\s*<h2 id="preview-heading">', markup):
        assert re.search(r"line 3: ", page_text(preview)), page_text(preview)[:2000]
        assert "line 2: " not in page_text(preview), "the good line was blamed"
        refused = apply(tulo_client, seeded, text)
        assert refused.status_code == 200
        assert "line 3: " in page_text(refused)
        assert snapshot() == before, "a refused file wrote something"
        return
    assert 'id="preview-heading">Ready to import' in markup, page_text(preview)[:2000]
    assert apply(tulo_client, seeded, text).status_code == 302
    assert Representative.objects.count() == listed + 2
    if column in TEXT_COLUMNS and value.strip() and "\ud800" not in value:
        saved = Representative.objects.get(clp=seeded.clp, name="Councillor 2")
        # The ward's spaces are tidied, as names are; the party is kept as given.
        expected = " ".join(value.split()) if column == "area" else value.strip()
        assert getattr(saved, column) == expected
    page = tulo_client.get(reverse("pickets:representatives", args=[seeded.clp.slug]))
    assert not active_content(page.content.decode())


HEADER = b"name,office\n"
MALFORMED = {
    "latin-1 bytes": (HEADER + b"Caf\xe9 Smith,MP\n", "not UTF-8"),
    "UTF-16 with its byte order mark": ("name,office\nJo,MP\n".encode("utf-16"), "UTF-16"),
    "a NUL in the file": (HEADER + b"Jo\x00,MP\n", "not plain text"),
    "a spreadsheet file": (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not plain text"),
    "a line longer than the upload limit": (
        b"name,office,area\nJo,MP," + b"x" * (csv_import.MAX_BYTES + 1) + b"\n",
        "the most is",
    ),
    "no header": (b"Jo Smith,MP\nAli Khan,councillor\n", "line 1: "),
    "a dispute file": (b"dispute,date\n1,2026-12-01\n", "line 1: the header has no"),
    "a header only": (HEADER, "line 1: there are no rows"),
    "a repeated column": (b"name,office,office\nJo,MP,MP\n", "line 1: "),
    "an unknown column": (
        b"name,office,<script>alert(1)</script>\nJo,MP,x\n",
        "line 1: unknown column",
    ),
    "more values than columns": (HEADER + b"Jo,MP,extra,values\n", "line 2: "),
    "an unterminated quote": (HEADER + b'"Jo,MP\n', "line 2: "),
    "only blank lines": (b"\r\n\r\n   \r\n", "nothing to import"),
    "lone carriage returns": (b"name,office\rJo,alderman\r", "line 2: "),
    "an office that is not one": (HEADER + b"Jo,councilor\n", "did you mean councillor?"),
    "the same person twice": (HEADER + b"Jo Smith,MP\njo  smith,mp\n", "line 3: line 2 already"),
    "a period the wrong way round": (
        b"name,office,active_from,active_until\nJo,MP,2024-07-05,2019-12-12\n",
        "line 2: active_until",
    ),
    "too many rows": (
        HEADER + b"Jo,MP\n" * (csv_import.MAX_ROWS + 1),
        f"the most in one import is {csv_import.MAX_ROWS:,}",
    ),
}


@pytest.mark.parametrize(("data", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_file_is_refused_clearly_and_nothing_is_imported(
    tulo_client, seeded, data, message
):
    before = snapshot()

    response = start(tulo_client, seeded, data)

    assert response.status_code == 200
    assert not active_content(response.content.decode(errors="replace"))
    assert message in page_text(response), page_text(response)[:3000]
    assert snapshot() == before


def test_a_file_altered_between_preview_and_import_imports_nothing(tulo_client, seeded):
    good = csv_text([good_row(1), good_row(2)])
    assert "Ready to import" in page_text(start(tulo_client, seeded, good))
    bad = csv_text([good_row(1), {**good_row(2), "office": "emperor"}])
    before = snapshot()
    response = apply(tulo_client, seeded, bad)
    assert response.status_code == 200
    assert "line 3: office 'emperor'" in page_text(response)
    assert snapshot() == before
