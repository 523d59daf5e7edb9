"""The solidarity report as a PDF: queued by the executive, built by a real Celery worker, shown
with its progress and downloaded; refused to people outside the CLP's officers."""

import datetime
import re
import shutil
import subprocess
import time
import zlib

import pytest
from django.urls import reverse

from pickets.models import PdfStatus, ReportPdf
from pickets.pdf import build_report_pdf

from ..factories import (
    DisputeFactory,
    PicketVisitFactory,
    ReportPdfFactory,
    SolidarityActionFactory,
    UnionFactory,
)

D = datetime.date
PERIOD = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def media_root(tmp_path, settings, monkeypatch):
    """Files go to tmp_path, for this process and for a worker started after this fixture."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def worker(media_root, celery_worker_process):
    """A real Celery worker that saves files to the same MEDIA_ROOT as the test."""
    return celery_worker_process


@pytest.fixture
def some_solidarity(clp):
    cwu = UnionFactory(short_name="CWU")
    dispute = DisputeFactory(title="Royal Mail delivery office", unions=[cwu])
    PicketVisitFactory(clp=clp, dispute=dispute, date=D(2026, 2, 3), members_count=6)
    SolidarityActionFactory(
        clp=clp,
        kind="benefit_event",
        date=D(2026, 3, 1),
        amount_pence=42000,
        dispute=dispute,
        union=cwu,
        fund_name="CWU hardship fund",
    )


def pdf_titles(pdf: bytes) -> list[str]:
    """The document title and bookmark titles, read without a PDF library.

    WeasyPrint compresses its objects, and bookmarks come from the page's headings, so the CLP's
    heading shows up here even though the page text itself is stored as glyph numbers.
    """
    chunks = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue  # fonts and other streams that are not plain deflate
    titles = []
    for chunk in chunks:
        for literal, hexa in re.findall(
            rb"/Title\s*(?:\(((?:\\.|[^\\)])*)\)|<([0-9a-fA-F]*)>)", chunk
        ):
            if hexa:
                titles.append(bytes.fromhex(hexa.decode()).decode("utf-16"))
            else:
                titles.append(re.sub(rb"\\(.)", rb"\1", literal).decode("latin-1"))
    return titles


def wait_for(job: ReportPdf, timeout: float = 90) -> ReportPdf:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (PdfStatus.DONE, PdfStatus.FAILED):
            return job
        time.sleep(0.2)
    pytest.fail(f"The PDF job was still {job.status} at {job.progress}% after {timeout:.0f}s.")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_executive_makes_a_pdf_through_the_worker(
    client, executive, clp, some_solidarity, worker, media_root
):
    client.force_login(executive)
    response = client.post(reverse("pickets:report_pdf_start", args=[clp.slug]), PERIOD)

    job = ReportPdf.objects.get()
    assert (job.start, job.end, job.requested_by) == (D(2026, 1, 1), D(2026, 3, 31), executive)
    job_url = reverse("pickets:report_pdf", args=[clp.slug, job.pk])
    assert response.status_code == 302
    assert response["Location"] == job_url
    page = client.get(job_url)
    assert page.status_code == 200
    assert "1 January 2026 to 31 March 2026" in page.content.decode()

    job = wait_for(job)
    assert job.status == PdfStatus.DONE, job.error
    assert job.progress == 100
    assert (media_root / job.file.name).is_file()

    partial = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    download_url = reverse("pickets:report_pdf_download", args=[clp.slug, job.pk])
    assert f'href="{download_url}"' in partial
    assert "<html" not in partial  # the progress box alone, for htmx to swap in
    assert "every 1s" not in partial  # a finished job stops polling

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        'attachment; filename="solidarity-hackney-north-20260101-20260331.pdf"'
    )
    pdf = b"".join(download.streaming_content)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1024
    assert f"{clp.name}: solidarity report" in pdf_titles(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        words = " ".join(text.split())  # table cells wrap their lines
        assert f"{clp.name}: solidarity report" in words
        assert "Royal Mail delivery office" in words
        assert "£420" in words
    assert worker.poll() is None


@pytest.mark.django_db
def test_building_the_same_job_twice_builds_once(clp, some_solidarity, media_root):
    job = ReportPdfFactory(clp=clp, start=D(2026, 1, 1), end=D(2026, 3, 31))

    build_report_pdf(job.pk)
    job.refresh_from_db()
    assert job.status == PdfStatus.DONE
    first = (job.file.name, job.updated_at)

    build_report_pdf(job.pk)  # as when the broker delivers the task a second time
    job.refresh_from_db()
    assert (job.file.name, job.updated_at) == first
    assert [p.name for p in (media_root / "reports" / str(clp.pk)).iterdir()] == [
        job.file.name.rsplit("/", 1)[1]
    ]


@pytest.fixture
def finished_job(clp, media_root):
    return ReportPdfFactory(clp=clp, done=True, file__data=b"%PDF-1.7 a finished report")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "other_tulo"])
def test_a_member_or_another_clps_tulo_cannot_start_or_download(
    client, request, clp, other_clp, finished_job, role
):
    client.force_login(request.getfixturevalue(role))

    start = client.post(reverse("pickets:report_pdf_start", args=[clp.slug]), PERIOD)
    download = client.get(reverse("pickets:report_pdf_download", args=[clp.slug, finished_job.pk]))

    assert start.status_code == 403
    assert download.status_code == 403
    assert ReportPdf.objects.count() == 1
    if role == "other_tulo":
        # Through their own CLP's address, this CLP's job does not exist.
        own_clp = reverse("pickets:report_pdf_download", args=[other_clp.slug, finished_job.pk])
        assert client.get(own_clp).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["tulo", "executive"])
def test_the_clps_officers_download_a_finished_pdf(client, request, clp, finished_job, role):
    client.force_login(request.getfixturevalue(role))
    download = client.get(reverse("pickets:report_pdf_download", args=[clp.slug, finished_job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7 a finished report"


@pytest.mark.django_db
def test_an_unfinished_pdf_cannot_be_downloaded(client, executive, clp):
    job = ReportPdfFactory(clp=clp)
    client.force_login(executive)
    url = reverse("pickets:report_pdf_download", args=[clp.slug, job.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_an_end_date_before_the_start_is_refused(client, executive, clp):
    client.force_login(executive)
    response = client.post(
        reverse("pickets:report_pdf_start", args=[clp.slug]),
        {"period": "custom", "start": "2026-03-31", "end": "2026-01-01"},
        follow=True,
    )
    # Back to the report with the dates as typed, so nothing is lost.
    report = reverse("pickets:report", args=[clp.slug])
    assert response.redirect_chain == [
        (f"{report}?period=custom&start=2026-03-31&end=2026-01-01", 302)
    ]
    page = response.content.decode()
    assert "The end date is before the start date: swap them round." in page
    assert 'value="2026-03-31"' in page
    assert not ReportPdf.objects.exists()
