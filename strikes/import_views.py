"""The TULO's CSV import pages: paste or upload, preview, confirm; large files as a job."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_GET, require_POST

from clps.access import clp_view
from clps.models import CLP, Role
from clps.requests import MemberRequest

from . import csv_import, selectors, services
from .models import CsvImport, CsvImportKind, CsvImportStatus


class CsvImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What are you importing?",
        choices=CsvImportKind.choices,
        initial=CsvImportKind.ACTION_DAYS,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Paste the rows",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off", "wrap": "off"}
        ),
        help_text="The first line names the columns. Cells copied straight from a spreadsheet "
        "work too.",
    )
    file = forms.FileField(
        label="Or upload a CSV file",
        required=False,
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv,text/plain"}),
        help_text=f"Saved as CSV UTF-8; up to {filesizeformat(csv_import.MAX_BYTES)} and "
        f"{csv_import.MAX_ROWS:,} rows. A file you choose replaces what is in the box above.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        upload = cleaned.get("file")
        where = "file" if upload else "text"
        try:
            if upload:
                text = csv_import.read_upload(upload)
            else:
                text = csv_import.clean_text(cleaned.get("text") or "")
                if not text.strip():
                    raise csv_import.ImportRefused(
                        "Paste the rows here, or choose a file to upload."
                    )
            cleaned["rows"] = csv_import.prepare(text)
        except csv_import.ImportRefused as exc:
            self.add_error(where, str(exc))
            return cleaned
        cleaned["text"] = text
        cleaned["filename"] = upload.name if upload else ""
        return cleaned


class ConfirmForm(forms.Form):
    """The previewed file, sent back as it was shown, to be checked again and imported."""

    kind = forms.ChoiceField(choices=CsvImportKind.choices, widget=forms.HiddenInput)
    text = forms.CharField(strip=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        try:
            cleaned["rows"] = csv_import.prepare(csv_import.clean_text(cleaned.get("text") or ""))
        except csv_import.ImportRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return cleaned


def _start_page(
    request: HttpRequest, clp: CLP, form: CsvImportForm, preview: csv_import.Plan | None = None
) -> HttpResponse:
    confirm = None
    if preview is not None and preview.ok:
        confirm = ConfirmForm(initial={"kind": preview.kind, "text": form.initial.get("text")})
    return render(
        request,
        "strikes/import/start.html",
        {
            "clp": clp,
            "form": form,
            "preview": preview,
            "confirm": confirm,
            "formats": _formats(),
            "jobs": selectors.recent_csv_imports(clp=clp),
            "max_rows": f"{csv_import.MAX_ROWS:,}",
        },
    )


def _formats() -> list[dict]:
    return [
        {
            "kind": kind,
            "label": kind.label,
            "header": ",".join(csv_import.COLUMNS[kind]),
            "columns": csv_import.COLUMN_HELP[kind],
            "required": csv_import.REQUIRED[kind],
            "example": csv_import.example_csv(kind),
        }
        for kind in CsvImportKind
    ]


def _start_job(request: MemberRequest, clp: CLP, cleaned: dict) -> HttpResponse:
    job = services.csv_import_start(
        clp=clp,
        user=request.user,
        kind=cleaned["kind"],
        text=cleaned["text"],
        filename=cleaned.get("filename", ""),
    )
    return redirect("strikes_import:job", clp.slug, job.pk)


@clp_view(Role.TULO)
def start(request: MemberRequest, clp: CLP) -> HttpResponse:
    """The import page; posting a file shows its preview, or starts a job for a large one."""
    if request.method != "POST":
        return _start_page(request, clp, CsvImportForm())
    form = CsvImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _start_page(request, clp, form)
    cleaned = form.cleaned_data
    if cleaned["rows"] > csv_import.BACKGROUND_ROWS:
        return _start_job(request, clp, cleaned)
    preview = csv_import.check(kind=cleaned["kind"], text=cleaned["text"])
    # A fresh form, so an uploaded file's text is in the box, ready to fix.
    form = CsvImportForm(initial={"kind": cleaned["kind"], "text": cleaned["text"]})
    return _start_page(request, clp, form, preview)


@clp_view(Role.TULO)
@require_POST
def apply(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        problems = " ".join(map(str, form.non_field_errors()))
        messages.error(request, problems or "Preview the file again.")
        return redirect("strikes_import:start", clp.slug)
    cleaned = form.cleaned_data
    if cleaned["rows"] > csv_import.BACKGROUND_ROWS:
        return _start_job(request, clp, cleaned)
    try:
        plan = csv_import.import_apply(
            kind=cleaned["kind"], text=cleaned["text"], user=request.user
        )
    except csv_import.ImportInvalid as exc:
        start_form = CsvImportForm(initial={"kind": cleaned["kind"], "text": cleaned["text"]})
        return _start_page(request, clp, start_form, exc.plan)
    messages.success(request, csv_import.result_message(plan))
    return redirect("strikes_import:start", clp.slug)


@clp_view(Role.TULO)
@require_GET
def template(request: MemberRequest, clp: CLP, kind: str) -> HttpResponse:
    """A CSV to fill in: the header and a few example rows."""
    if kind not in CsvImportKind.values:
        raise Http404("There is no such import.")
    name = kind.replace("_", "-")
    # The byte order mark tells Excel the file is UTF-8.
    response = HttpResponse(
        "\ufeff" + csv_import.example_csv(kind), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-template.csv"'
    return response


def _job_context(clp: CLP, job: CsvImport) -> dict:
    context: dict[str, Any] = {"clp": clp, "job": job}
    if not job.is_running:
        context["preview"] = csv_import.Plan.from_job(job)
        if job.status != CsvImportStatus.DONE:
            context["form"] = CsvImportForm(initial={"kind": job.kind, "text": job.text})
    return context


@clp_view(Role.TULO)
@require_GET
def job(request: MemberRequest, clp: CLP, job_id: int) -> HttpResponse:
    job = get_object_or_404(CsvImport, pk=job_id, clp=clp)
    return render(request, "strikes/import/job.html", _job_context(clp, job))


@clp_view(Role.TULO)
@require_GET
def job_progress(request: MemberRequest, clp: CLP, job_id: int) -> HttpResponse:
    """The part of the job page that htmx polls: the progress bar, then the outcome."""
    job = get_object_or_404(CsvImport, pk=job_id, clp=clp)
    return render(request, "strikes/import/_job.html", _job_context(clp, job))


@clp_view(Role.TULO)
@require_POST
def job_confirm(request: MemberRequest, clp: CLP, job_id: int) -> HttpResponse:
    job = get_object_or_404(CsvImport, pk=job_id, clp=clp)
    if not services.csv_import_confirm(job=job) and job.status == CsvImportStatus.INVALID:
        messages.error(request, "This file has rows to fix: fix them and preview it again.")
    return redirect("strikes_import:job", clp.slug, job.pk)
