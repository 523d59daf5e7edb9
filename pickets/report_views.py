"""The solidarity report for any period, for the TULO and the executive: the page, a print
version, a CSV for the treasurer and a PDF for the meeting papers."""

import csv
import datetime

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from clps.access import clp_view
from clps.models import CLP, Role
from clps.requests import MemberRequest

from . import selectors, services
from .forms import ReportPeriodForm, period_dates
from .models import PdfStatus, ReportPdf


def period_from(form: ReportPeriodForm) -> tuple[datetime.date, datetime.date]:
    if form.is_valid() and form.cleaned_data.get("period") == "custom":
        return form.cleaned_data["start"], form.cleaned_data["end"]
    period = (form.cleaned_data.get("period") if form.is_valid() else "") or "last_quarter"
    return period_dates(period, timezone.localdate())


def report_period(request: HttpRequest) -> tuple[ReportPeriodForm, datetime.date, datetime.date]:
    form = ReportPeriodForm(request.GET or {"period": "last_quarter"})
    start, end = period_from(form)
    return form, start, end


@clp_view(Role.TULO, Role.EXECUTIVE)
def report(request: MemberRequest, clp: CLP) -> HttpResponse:
    form, start, end = report_period(request)
    data = selectors.solidarity_report(clp=clp, start=start, end=end)
    template = "pickets/report_print.html" if request.GET.get("print") else "pickets/report.html"
    return render(
        request,
        template,
        {"clp": clp, "form": form, "report": data, "query": request.GET.urlencode()},
    )


@clp_view(Role.TULO, Role.EXECUTIVE)
def report_csv(request: MemberRequest, clp: CLP) -> HttpResponse:
    _, start, end = report_period(request)
    data = selectors.solidarity_report(clp=clp, start=start, end=end)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="solidarity-{clp.slug}-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "dispute",
            "employer",
            "status",
            "visits",
            "member attendances",
            "elected representatives",
            "money raised (GBP)",
            "solidarity actions",
        ]
    )
    for row in data.per_dispute:
        writer.writerow(
            [
                csv_safe(row.dispute.title),
                csv_safe(row.dispute.employer.name),
                row.dispute.get_status_display(),
                row.visits,
                row.attendances,
                row.representatives,
                f"{row.money_pence / 100:.2f}",
                row.actions,
            ]
        )
    writer.writerow([])
    writer.writerow(["fund", "union", "money raised (GBP)"])
    for fund, union, pence in data.money_by_fund:
        writer.writerow([csv_safe(fund), union, f"{pence / 100:.2f}"])
    invited = data.invitations
    if invited.invited:
        writer.writerow([])
        writer.writerow(["elected representatives", "invited", "answered", "came", "who came"])
        names = "; ".join(csv_safe(rep.styled) for rep in invited.who_came)
        writer.writerow(["", invited.invited, invited.answered, invited.came, names])
    return response


def csv_safe(value: str) -> str:
    """Keep a spreadsheet from running text that starts like a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@clp_view(Role.TULO, Role.EXECUTIVE)
@require_POST
def report_pdf_start(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = ReportPeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.non_field_errors())) or "Check the dates.")
        # Cut to length: a redirect to a URL of thousands of characters is refused with a bare
        # 400, and no period or date is longer than this.
        kept = {k: request.POST.get(k, "")[:40] for k in ("period", "start", "end")}
        return redirect(reverse("pickets:report", args=[clp.slug]) + "?" + urlencode(kept))
    start, end = period_from(form)
    job = services.report_pdf_request(clp=clp, by=request.user, start=start, end=end)
    return redirect("pickets:report_pdf", clp.slug, job.pk)


@clp_view(Role.TULO, Role.EXECUTIVE)
def report_pdf(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    job = get_object_or_404(ReportPdf, pk=pk, clp=clp)
    template = "pickets/_pdf_progress.html" if request.htmx else "pickets/report_pdf.html"
    return render(request, template, {"clp": clp, "job": job})


@clp_view(Role.TULO, Role.EXECUTIVE)
def report_pdf_download(request: MemberRequest, clp: CLP, pk: int) -> FileResponse:
    job = get_object_or_404(ReportPdf, pk=pk, clp=clp, status=PdfStatus.DONE)
    name = f"solidarity-{clp.slug}-{job.start:%Y%m%d}-{job.end:%Y%m%d}.pdf"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)
