"""The monthly union-updates section: the TULO edits, previews, approves and copies it out; the
executive reads and copies it out. Every write is a POST by a TULO, and calls one service."""

import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clps.access import clp_view
from clps.models import CLP, Role
from clps.requests import MemberRequest

from ..markdown import to_html
from ..models import NewsletterSection, NewsletterSectionVersion
from . import selectors, services
from .column import COLUMN_WORDS, word_count
from .formats import DOWNLOADS, copies
from .forms import (
    COLUMN_MAX,
    MARKDOWN_MAX,
    ApproveForm,
    MonthForm,
    NewsletterScheduleForm,
    SectionForm,
)
from .schedule import current_section_month, draft_due_at, newsletter_date, schedule_for

tulo_only = clp_view(Role.TULO)
readers = clp_view(Role.TULO, Role.EXECUTIVE)


def _is_tulo(request: MemberRequest) -> bool:
    return request.membership.role == Role.TULO


def _section(clp: CLP, month: datetime.date) -> NewsletterSection:
    return get_object_or_404(NewsletterSection, clp=clp, month=month)


def _chosen_version(request: HttpRequest, section: NewsletterSection) -> NewsletterSectionVersion:
    """The version named by ?v=, or the latest."""
    number = request.GET.get("v", "")
    chosen = selectors.section_version(section, number=int(number) if number.isdigit() else None)
    if chosen is None:
        raise Http404("No such version.")
    return chosen


def _sections_page(
    request: MemberRequest, clp: CLP, *, schedule_form: NewsletterScheduleForm | None = None
) -> HttpResponse:
    schedule = schedule_for(clp)
    upcoming = current_section_month(schedule, timezone.localdate())
    context = {
        "clp": clp,
        "schedule": schedule,
        "page": selectors.sections_page(clp, cursor=request.GET.get("after")),
        "upcoming": upcoming,
        "upcoming_due": draft_due_at(schedule, upcoming),
        "upcoming_newsletter": newsletter_date(schedule, upcoming),
        "is_tulo": _is_tulo(request),
    }
    if context["is_tulo"]:
        context["schedule_form"] = schedule_form or NewsletterScheduleForm(instance=schedule)
        context["month_form"] = MonthForm()
    return render(
        request,
        "newsletters/monthly/sections.html",
        context,
        status=200 if schedule_form is None else 400,
    )


@readers
def sections(request: MemberRequest, clp: CLP) -> HttpResponse:
    return _sections_page(request, clp)


@tulo_only
@require_POST
def save_schedule(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = NewsletterScheduleForm(request.POST, instance=schedule_for(clp))
    if form.is_valid():
        services.newsletter_schedule_save(schedule=form.instance)
        messages.success(request, "Newsletter schedule saved.")
        return redirect("newsletters:sections", clp.slug)
    return _sections_page(request, clp, schedule_form=form)


@tulo_only
@require_POST
def build(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = MonthForm(request.POST)
    if not form.is_valid():
        # django-stubs types an ErrorList's items as ValidationError or text; indexing one
        # returns the message text, as Django's ErrorList.__getitem__ does.
        messages.error(request, form.errors["month"][0])  # type: ignore[arg-type]
        return redirect("newsletters:sections", clp.slug)
    month = form.cleaned_data["month"]
    section, made = services.section_build(clp=clp, month=month, by=request.user, notify=False)
    if made:
        messages.success(request, f"Drafted the section for {month:%B %Y} from the records.")
    else:
        messages.info(request, f"The section for {month:%B %Y} was already drafted: here it is.")
    return redirect("newsletters:section", clp.slug, section.month)


def _section_page(
    request: MemberRequest,
    clp: CLP,
    section: NewsletterSection,
    *,
    form: SectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    latest = selectors.latest_version(section)
    schedule = schedule_for(clp)
    context: dict[str, Any] = {
        "clp": clp,
        "section": section,
        "latest": latest,
        "html": to_html(latest.markdown),
        "column_words": word_count(latest.column),
        "column_limit": COLUMN_WORDS,
        "versions": selectors.versions_page(section, cursor=request.GET.get("after")),
        "schedule": schedule if schedule.pk else None,
        "newsletter_on": newsletter_date(schedule, section.month),
        "is_tulo": _is_tulo(request),
    }
    if context["is_tulo"]:
        form = form or SectionForm(
            initial={
                "markdown": latest.markdown,
                "column": latest.column,
                "based_on": latest.number,
            }
        )
        form.live_preview(reverse("newsletters:section_preview", args=[clp.slug, section.month]))
        context["form"] = form
    return render(request, "newsletters/monthly/section.html", context, status=status)


@readers
def section(request: MemberRequest, clp: CLP, month: datetime.date) -> HttpResponse:
    return _section_page(request, clp, _section(clp, month))


@tulo_only
@require_POST
def preview(request: MemberRequest, clp: CLP, month: datetime.date) -> HttpResponse:
    """The text as it will read, from the textarea as it stands: nothing is saved."""
    _section(clp, month)
    markdown = request.POST.get("markdown", "")[:MARKDOWN_MAX]
    column = request.POST.get("column", "")[:COLUMN_MAX]
    return render(
        request,
        "newsletters/monthly/_preview.html",
        {
            "html": to_html(markdown),
            "column_words": word_count(column),
            "column_limit": COLUMN_WORDS,
            "oob": True,
        },
    )


@tulo_only
@require_POST
def save(request: MemberRequest, clp: CLP, month: datetime.date) -> HttpResponse:
    found = _section(clp, month)
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            version = services.section_edit(
                section=found,
                markdown=form.cleaned_data["markdown"],
                column=form.cleaned_data["column"],
                based_on=form.cleaned_data["based_on"],
                by=request.user,
            )
        except services.SectionConflict as conflict:
            messages.error(
                request,
                f"Version {conflict.latest} was saved by someone else while you were editing. "
                "Your text is still below: compare it with the preview, then save again to "
                "make it the newest version.",
            )
            # Saving again now builds on the version they have been told about.
            form = form.rebased(conflict.latest)
        else:
            messages.success(request, f"Saved as version {version.number}.")
            return redirect("newsletters:section", clp.slug, found.month)
    return _section_page(request, clp, found, form=form, status=409 if form.is_valid() else 400)


@tulo_only
@require_POST
def approve(request: MemberRequest, clp: CLP, month: datetime.date) -> HttpResponse:
    found = _section(clp, month)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Reload the page and approve again.")
        return redirect("newsletters:section", clp.slug, found.month)
    outcome, latest = services.section_approve(
        section=found, number=form.cleaned_data["version"], by=request.user
    )
    if outcome == services.ApproveOutcome.STALE:
        messages.error(
            request,
            f"Version {latest.number} was saved since you opened the page. Read it, then approve.",
        )
    elif outcome == services.ApproveOutcome.ALREADY_APPROVED:
        messages.info(
            request, f"Version {latest.number} was already approved; nothing more was sent."
        )
    elif latest.editor_email:
        messages.success(
            request,
            f"Approved version {latest.number}. It is on its way to {latest.editor_email}.",
        )
    else:
        messages.warning(
            request,
            f"Approved version {latest.number}. No newsletter editor's address is set, so "
            "nothing was emailed: copy it out below, or add the address to the schedule.",
        )
    return redirect("newsletters:section", clp.slug, found.month)


@tulo_only
@require_POST
def redraft(request: MemberRequest, clp: CLP, month: datetime.date) -> HttpResponse:
    found = _section(clp, month)
    version = services.section_redraft(section=found, by=request.user)
    messages.success(
        request,
        f"Drafted again from the records as version {version.number}. "
        "Earlier versions are kept below.",
    )
    return redirect("newsletters:section", clp.slug, found.month)


@readers
def copy_out(request: MemberRequest, clp: CLP, month: datetime.date) -> HttpResponse:
    found = _section(clp, month)
    chosen = _chosen_version(request, found)
    return render(
        request,
        "newsletters/monthly/copy.html",
        {
            "clp": clp,
            "section": found,
            "version": chosen,
            "html": to_html(chosen.markdown),
            "formats": copies(chosen),
        },
    )


@readers
def download(request: MemberRequest, clp: CLP, month: datetime.date, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOADS:
        raise Http404("No such format.")
    found = _section(clp, month)
    chosen = _chosen_version(request, found)
    chosen_format = DOWNLOADS[fmt]
    response = HttpResponse(chosen_format.body(chosen), content_type=chosen_format.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{chosen_format.filename(found, chosen)}"'
    )
    # Never shown as a page from our origin, whatever a browser guesses from the contents.
    response["X-Content-Type-Options"] = "nosniff"
    return response


@readers
def version(request: MemberRequest, clp: CLP, month: datetime.date, number: int) -> HttpResponse:
    found = _section(clp, month)
    chosen = selectors.section_version(found, number=number)
    if chosen is None:
        raise Http404("No such version.")
    return render(
        request,
        "newsletters/monthly/version.html",
        {
            "clp": clp,
            "section": found,
            "version": chosen,
            "html": to_html(chosen.markdown),
            "column_words": word_count(chosen.column),
            "is_tulo": _is_tulo(request),
        },
    )
