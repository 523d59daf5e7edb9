"""The CLP's elected representatives, for the TULO: the list and what came of each one's
invitations, adding and editing, the CSV import; and inviting them to a picket line."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clps.access import clp_view
from clps.models import CLP, Role
from clps.requests import MemberRequest
from strikes.import_views import ConfirmForm, CsvImportForm

from . import invitations, rep_import
from . import representatives as reps
from .models import PicketInvitation, PicketLine, Representative
from .rep_forms import DraftForm, InviteForm, RepresentativeForm

tulo_only = clp_view(Role.TULO)


@tulo_only
def representative_list(request: MemberRequest, clp: CLP) -> HttpResponse:
    page = reps.representatives_page(clp=clp, cursor=request.GET.get("after"))
    came = invitations.came_counts(clp=clp, representatives=page.rows)
    for rep in page.rows:
        rep.came = came.get(rep.pk, 0)
        rep.in_office = rep.in_office_on(timezone.localdate())
    return render(request, "pickets/representatives.html", {"clp": clp, "page": page})


@tulo_only
def representative_form(request: MemberRequest, clp: CLP, pk: int | None = None) -> HttpResponse:
    rep = get_object_or_404(Representative, pk=pk, clp=clp) if pk else Representative(clp=clp)
    form = RepresentativeForm(request.POST or None, instance=rep, clp=clp)
    if request.method == "POST" and form.is_valid():
        reps.representative_save(representative=form.save(commit=False))
        messages.success(request, f"{rep.name} saved to the CLP's list.")
        return redirect("pickets:representatives", clp.slug)
    context: dict[str, Any] = {"clp": clp, "form": form, "rep": rep}
    if rep.pk:
        sent = list(reps.invitations_of(representative=rep))
        came = invitations.came_ids(clp_id=clp.pk, invitations=sent)
        context["invitations"] = [invitations.InvitationRow(i, i.pk in came) for i in sent]
    return render(request, "pickets/representative_form.html", context)


# The CSV import ------------------------------------------------------------------------------


class RepresentativeImportForm(CsvImportForm):
    kind = None  # type: ignore[assignment]  # one format here


class RepresentativeConfirmForm(ConfirmForm):
    kind = None  # type: ignore[assignment]


def _import_page(
    request: MemberRequest,
    clp: CLP,
    form: RepresentativeImportForm,
    preview: Any = None,
    text: str = "",
) -> HttpResponse:
    confirm = RepresentativeConfirmForm(initial={"text": text}) if preview and preview.ok else None
    return render(
        request,
        "pickets/representatives_import.html",
        {
            "clp": clp,
            "form": form,
            "preview": preview,
            "confirm": confirm,
            "columns": rep_import.COLUMN_HELP,
            "required": rep_import.REQUIRED,
            "example": rep_import.example_csv(),
        },
    )


@tulo_only
def representatives_import(request: MemberRequest, clp: CLP) -> HttpResponse:
    """Paste or upload a file; posting it shows its preview. Nothing is saved here."""
    if request.method != "POST":
        return _import_page(request, clp, RepresentativeImportForm())
    form = RepresentativeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, clp, form)
    text = form.cleaned_data["text"]
    preview = rep_import.check(clp=clp, text=text)
    return _import_page(
        request, clp, RepresentativeImportForm(initial={"text": text}), preview, text
    )


@tulo_only
@require_POST
def representatives_import_apply(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = RepresentativeConfirmForm(request.POST)
    if not form.is_valid():
        problems = " ".join(map(str, form.non_field_errors()))
        messages.error(request, problems or "Preview the file again.")
        return redirect("pickets:representatives_import", clp.slug)
    text = form.cleaned_data["text"]
    try:
        plan = rep_import.import_apply(clp=clp, text=text)
    except rep_import.ImportInvalid as exc:
        start = RepresentativeImportForm(initial={"text": text})
        return _import_page(request, clp, start, exc.plan, text)
    created = plan.summary.get("create", 0)
    text = f"Imported {created} representative{'' if created == 1 else 's'}."
    if plan.skipped_count:
        text += f" {plan.skipped_count} already on the list, skipped."
    messages.success(request, text)
    return redirect("pickets:representatives", clp.slug)


@tulo_only
@require_GET
def representatives_template(request: MemberRequest, clp: CLP) -> HttpResponse:
    response = HttpResponse(
        "\ufeff" + rep_import.example_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="representatives-template.csv"'
    return response


# Inviting them to a picket line -------------------------------------------------------------


def _line(clp: CLP, pk: int) -> PicketLine:
    return get_object_or_404(
        PicketLine.objects.select_related("dispute__employer", "clp"), pk=pk, clp=clp
    )


@tulo_only
def invite(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    """Step one: who, and which days. Each gets a draft of their own, edited on the next page."""
    line = _line(clp, pk)
    days = invitations.invitable_days(line)
    # Invited already, or drafted and waiting to be sent: not offered again.
    already = dict(line.invitations.values_list("representative_id", "sent_at"))
    choices = reps.in_office(clp=clp, on=timezone.localdate()).exclude(pk__in=list(already))
    form = InviteForm(request.POST or None, representatives=choices, days=days)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.drafts_create(
                line=line,
                representatives=form.cleaned_data["representatives"],
                day_ids=form.cleaned_data["days"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("days", exc)
        else:
            return redirect("pickets:invitation_drafts", clp.slug, line.pk)
    return render(
        request,
        "pickets/invite.html",
        {
            "clp": clp,
            "line": line,
            "form": form,
            "days": days,
            "no_email": _no_email(choices),
            "drafts_waiting": sum(1 for sent_at in already.values() if sent_at is None),
        },
    )


def _no_email(choices) -> list[str]:
    return [r.name for r in choices if not r.email]


def _drafts(line: PicketLine) -> list[PicketInvitation]:
    return list(
        line.invitations.filter(sent_at__isnull=True)
        .select_related("representative")
        .order_by("representative__office", "representative__name")
    )


@tulo_only
def invitation_drafts(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    """Step two: each draft, to edit; Save keeps the edits, Send sends them all."""
    line = _line(clp, pk)
    drafts = _drafts(line)
    data = request.POST if request.method == "POST" else None
    forms = [
        (
            draft,
            DraftForm(
                data,
                prefix=f"d{draft.pk}",
                initial={"subject": draft.subject, "body": draft.body},
            ),
        )
        for draft in drafts
    ]
    if request.method == "POST" and drafts and all(form.is_valid() for _, form in forms):
        for draft, form in forms:
            invitations.draft_save(
                invitation=draft,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
            draft.subject, draft.body = form.cleaned_data["subject"], form.cleaned_data["body"]
        repeated = invitations.identical_drafts({d.pk: d.body for d in drafts})
        if "send" not in request.POST:
            messages.success(request, "Drafts saved. Nothing has been sent yet.")
            return redirect("pickets:invitation_drafts", clp.slug, line.pk)
        if repeated:
            for draft, form in forms:
                if draft.pk in repeated:
                    form.add_error(
                        "body",
                        "This is word for word the same as another invitation: write to "
                        "each representative as themselves. Your edits are saved.",
                    )
        else:
            sent = invitations.invitations_send(invitations=drafts, by=request.user)
            messages.success(
                request,
                f"{sent} invitation{'' if sent == 1 else 's'} sent. Their answers will show here.",
            )
            return redirect("pickets:picket_line", clp.slug, line.pk)
    return render(
        request,
        "pickets/invitation_drafts.html",
        {"clp": clp, "line": line, "forms": forms},
        status=400 if request.method == "POST" and drafts else 200,
    )


@tulo_only
@require_POST
def invitation_remove(request: MemberRequest, clp: CLP, pk: int, draft_pk: int) -> HttpResponse:
    draft = get_object_or_404(
        PicketInvitation, pk=draft_pk, picket_line_id=pk, clp=clp, sent_at__isnull=True
    )
    invitations.draft_delete(invitation=draft)
    messages.success(request, "Removed: that representative will not be invited.")
    return redirect("pickets:invitation_drafts", clp.slug, pk)
