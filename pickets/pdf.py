"""The solidarity report as a PDF, laid out by WeasyPrint from the print-ready page."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import PdfStatus, ReportPdf
from .selectors import solidarity_report


def _static_fetcher():
    """Serve /static/… from the app's own files; fetch nothing else."""
    from weasyprint.urls import URLFetcher

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            marker = "/static/"
            if marker in url:
                path = finders.find(url.split(marker, 1)[1])
                if path:
                    return super().fetch(Path(path).as_uri(), headers)
            raise ValueError(f"Not fetching {url}: the PDF uses only the app's own files.")

    return StaticFetcher()


def _progress(job: ReportPdf, status: str, progress: int) -> None:
    ReportPdf.objects.filter(pk=job.pk).update(
        status=status, progress=progress, updated_at=timezone.now()
    )


def build_report_pdf(job_id: int) -> None:
    """Build the PDF for a queued job. Running it again for a finished job does nothing."""
    from weasyprint import HTML

    with transaction.atomic():
        job = ReportPdf.objects.select_for_update().select_related("clp").get(pk=job_id)
        if job.status == PdfStatus.DONE:
            return
        job.status, job.progress = PdfStatus.BUILDING, 10
        job.save(update_fields=["status", "progress", "updated_at"])
    try:
        report = solidarity_report(clp=job.clp, start=job.start, end=job.end)
        _progress(job, PdfStatus.BUILDING, 40)
        html = render_to_string(
            "pickets/report_print.html", {"clp": job.clp, "report": report, "for_pdf": True}
        )
        _progress(job, PdfStatus.BUILDING, 60)
        pdf = HTML(string=html, base_url="/", url_fetcher=_static_fetcher()).write_pdf()
        _progress(job, PdfStatus.BUILDING, 90)
        job.file.save("report.pdf", ContentFile(pdf), save=False)
        job.status, job.progress = PdfStatus.DONE, 100
        job.save(update_fields=["file", "status", "progress", "updated_at"])
    except Exception as exc:
        ReportPdf.objects.filter(pk=job.pk).update(
            status=PdfStatus.FAILED, error=str(exc)[:300], updated_at=timezone.now()
        )
        raise
