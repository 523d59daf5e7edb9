"""Picket lines, sign-ups, visits, the solidarity ledger and the solidarity report."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clps.access import clp_view, needs_mfa, public_clp_view
from clps.models import CLP, Role
from clps.public_cache import not_for_keeping, public_page
from clps.requests import ClpRequest, MemberRequest
from clps.share import share_links
from strikes.models import ActionDay, Dispute

from . import invitations, representatives, selectors, services
from .forms import (
    PicketLineForm,
    PublicSignupForm,
    SolidarityActionForm,
    VisitForm,
)
from .line_days import line_runs
from .models import (
    LeadLink,
    PicketLine,
    PicketVisit,
    SolidarityAction,
    VisitPhoto,
    VisitStatus,
)

ANY_ROLE = (Role.TULO, Role.EXECUTIVE, Role.MEMBER)
tulo_only = clp_view(Role.TULO)


# Picket lines ---------------------------------------------------------------------------------


@tulo_only
def picket_lines(request: MemberRequest, clp: CLP) -> HttpResponse:
    today = timezone.localdate()
    page = selectors.picket_lines_page(
        clp=clp,
        start=today,
        end=today + datetime.timedelta(days=60),
        cursor=request.GET.get("after"),
    )
    counts = selectors.signup_counts(line_ids=[line.pk for line in page.rows])
    for line in page.rows:
        line.runs = line_runs(
            line.days_in_range,
            counts={day_id: n for (line_id, day_id), n in counts.items() if line_id == line.pk},
            mine=set(),
        )
    return render(request, "pickets/picket_lines.html", {"clp": clp, "page": page})


@tulo_only
def picket_line_choose_dispute(request: MemberRequest, clp: CLP) -> HttpResponse:
    """Step one of adding a picket line: which dispute, among those with days ahead."""
    disputes = selectors.disputes_with_days_ahead(today=timezone.localdate())
    return render(request, "pickets/choose_dispute.html", {"clp": clp, "disputes": disputes})


def _picket_line_form(
    request: MemberRequest, clp: CLP, dispute: Dispute, line: PicketLine
) -> HttpResponse:
    form = PicketLineForm(request.POST or None, instance=line, dispute=dispute)
    if request.method == "POST" and form.is_valid():
        picket = form.save(commit=False)
        picket.clp, picket.dispute = clp, dispute
        services.picket_line_save(
            picket_line=picket, action_day_ids=[d.pk for d in form.cleaned_data["action_days"]]
        )
        messages.success(request, "Picket line saved. It is on the CLP's public calendar.")
        return redirect("pickets:picket_line", clp.slug, picket.pk)
    return render(
        request,
        "pickets/picket_line_form.html",
        {"clp": clp, "dispute": dispute, "form": form, "line": line},
    )


@tulo_only
def picket_line_create(request: MemberRequest, clp: CLP, dispute_pk: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute, pk=dispute_pk)
    line = PicketLine(clp=clp, dispute=dispute)
    if request.method == "GET":
        local = set(clp.districts.values_list("district", flat=True))
        workplace = dispute.workplaces.first()
        if workplace:
            line.workplace, line.postcode = workplace, workplace.postcode
            line.is_local = workplace.postcode_district in local
    return _picket_line_form(request, clp, dispute, line)


@tulo_only
def picket_line_edit(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    line = get_object_or_404(PicketLine, pk=pk, clp=clp)
    return _picket_line_form(request, clp, line.dispute, line)


def _share_context(line: PicketLine, *, next_day: ActionDay | None) -> dict:
    """What a shared link to the picket line says, in a message and when it unfurls."""
    url = settings.SITE_URL.rstrip("/") + reverse(
        "pickets:picket_line", args=[line.clp.slug, line.pk]
    )
    title = f"Picket line: {line.dispute.title}"
    where = line.place + (f", {line.postcode}" if line.postcode else "")
    when = (
        f"{next_day.date:%A} {next_day.date.day} {next_day.date:%B}, "
        f"{line.start_time:%H:%M} to {line.end_time:%H:%M}"
        if next_day
        else ""
    )
    text = f"Join the picket line: {line.dispute.title}, {where}" + (f", {when}" if when else "")
    return {
        "share_title": title,
        "share_text": text + ".",
        "share_url": url,
        "share": share_links(text=text + ".", url=url),
        "og_description": f"{where}. {when}." if when else f"{where}.",
    }


@public_page(params=["day"])
@public_clp_view
def picket_line(request: ClpRequest, clp: CLP, pk: int) -> HttpResponse:
    """Public: where and when, and how many are going. Members sign up with their account,
    anyone else with a name and an email; the TULO also sees who is going and manages the trip
    leader's links."""
    line = get_object_or_404(
        PicketLine.objects.select_related("dispute", "dispute__employer"), pk=pk, clp=clp
    )
    return picket_line_page(request, clp, line)


def picket_line_page(
    request: ClpRequest,
    clp: CLP,
    line: PicketLine,
    *,
    signup_form: PublicSignupForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    # Days to come only: nobody can sign up for, or join, a day that is over.
    days = list(line.action_days.filter(date__gte=today).order_by("date"))
    counts = selectors.signup_counts(line_ids=[line.pk])
    mine = selectors.user_signups(user=request.user, line_ids=[line.pk])
    day_runs = line_runs(
        days,
        counts={day_id: n for (_, day_id), n in counts.items()},
        mine={day_id for _, day_id in mine},
    )
    open_days = [day for day in days if not day.cancelled]
    if signup_form is None and request.membership is None and open_days:
        chosen = request.GET.get("day", "")
        signup_form = PublicSignupForm(
            days=open_days, initial={"action_day": int(chosen) if chosen.isdigit() else None}
        )
    is_tulo = request.membership is not None and request.membership.role == Role.TULO
    context = {
        "clp": clp,
        "line": line,
        "runs": day_runs,
        "is_tulo": is_tulo,
        "signup_form": signup_form,
        "earlier_days": not days and line.action_days.exists(),
        **_share_context(line, next_day=open_days[0] if open_days else None),
    }
    if is_tulo and not needs_mfa(request.user, request.membership):
        going = selectors.who_is_going(picket_line=line, confirmed_only=False)
        # Only the days someone is going: a nine-week strike is not forty-five "0"s.
        context["going"] = [(day, going[day.pk]) for day in days if going.get(day.pk)]
        context["lead_links"] = line.lead_links.filter(revoked_at__isnull=True)
        context["invitations"] = invitations.line_invitations(line=line)
    response = render(request, "pickets/picket_line.html", context, status=status)
    if "day" in request.GET and request.GET["day"] not in {str(day.pk) for day in open_days}:
        not_for_keeping(response)
    return response


@clp_view(*ANY_ROLE)
@require_POST
def signup(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    line = get_object_or_404(PicketLine, pk=pk, clp=clp)
    day_id = request.POST.get("action_day", "")
    if not day_id.isdigit():
        messages.error(request, "Choose a day to sign up for.")
        return redirect("pickets:picket_line", clp.slug, pk)
    try:
        if request.POST.get("cancel"):
            services.signup_cancel(picket_line=line, action_day_id=int(day_id), user=request.user)
            messages.success(request, "You are no longer down to go. Thanks for letting us know.")
        else:
            services.signup_create(picket_line=line, action_day_id=int(day_id), user=request.user)
            messages.success(
                request, "You're going. We'll email you a reminder the evening before."
            )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("pickets:picket_line", clp.slug, pk)


@tulo_only
@require_POST
def lead_link_create(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    line = get_object_or_404(PicketLine, pk=pk, clp=clp)
    # PostgreSQL cannot store a NUL character, and no one types one: drop it.
    label = request.POST.get("label", "").replace("\x00", "")[:100]
    services.lead_link_create(picket_line=line, label=label)
    messages.success(request, "Link made. Share it only with the person leading the trip.")
    return redirect("pickets:picket_line", clp.slug, pk)


@tulo_only
@require_POST
def lead_link_revoke(request: MemberRequest, clp: CLP, pk: int, link_pk: int) -> HttpResponse:
    link = get_object_or_404(LeadLink, pk=link_pk, picket_line__pk=pk, picket_line__clp=clp)
    services.lead_link_revoke(link=link)
    messages.success(request, "Link revoked: it no longer opens.")
    return redirect("pickets:picket_line", clp.slug, pk)


# Visits ---------------------------------------------------------------------------------------


@clp_view(*ANY_ROLE)
def visit_create(request: MemberRequest, clp: CLP) -> HttpResponse:
    is_tulo = request.membership.role == Role.TULO
    initial = {"date": timezone.localdate(), "members_count": 1}
    line = None
    if request.GET.get("picket_line", "").isdigit():
        line = PicketLine.objects.filter(pk=request.GET["picket_line"], clp=clp).first()
        if line:
            initial["dispute"] = line.dispute_id
    visit = PicketVisit(clp=clp, picket_line=line)
    return _visit_form(request, clp, visit, initial, is_tulo)


@clp_view(Role.TULO)
def visit_edit(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    visit = get_object_or_404(PicketVisit, pk=pk, clp=clp)
    return _visit_form(request, clp, visit, None, True)


def _visit_form(
    request: MemberRequest,
    clp: CLP,
    visit: PicketVisit,
    initial: dict[str, Any] | None,
    is_tulo: bool,
) -> HttpResponse:
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        instance=visit,
        initial=initial,
        disputes=selectors.disputes_to_choose(),
        representatives=representatives.representatives(clp=clp),
        members=selectors.clp_members(clp=clp) if is_tulo else None,
    )
    if request.method == "POST" and form.is_valid():
        photos = [(f, form.cleaned_data["photo_consent"]) for f in form.cleaned_data["photos"]]
        try:
            saved = services.visit_save(
                visit=form.save(commit=False),
                by=request.user,
                as_tulo=is_tulo,
                representatives=form.cleaned_data["representatives"],
                listed=list(form.cleaned_data.get("listed_representatives") or []),
                photos=photos,
                members=form.cleaned_data.get("members") if is_tulo else None,
            )
        except ValidationError as exc:
            form.add_error("photos", exc)
        else:
            if is_tulo:
                messages.success(request, "Visit recorded.")
                return redirect("pickets:visit", clp.slug, saved.pk)
            messages.success(request, "Thank you! The TULO will confirm your report.")
            return redirect("clps:home", clp.slug)
    return render(request, "pickets/visit_form.html", {"clp": clp, "form": form, "visit": visit})


@clp_view(Role.TULO)
def visit_list(request: MemberRequest, clp: CLP) -> HttpResponse:
    return render(
        request,
        "pickets/visits.html",
        {
            "clp": clp,
            "to_confirm": selectors.visits_page(
                clp=clp, status=VisitStatus.REPORTED, cursor=request.GET.get("after_reported")
            ),
            "confirmed": selectors.visits_page(
                clp=clp, status=VisitStatus.CONFIRMED, cursor=request.GET.get("after")
            ),
        },
    )


@clp_view(Role.TULO)
def visit_detail(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    visit = get_object_or_404(selectors.visits(clp=clp), pk=pk)
    return render(request, "pickets/visit.html", {"clp": clp, "visit": visit})


@tulo_only
@require_POST
def visit_confirm(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    visit = get_object_or_404(PicketVisit, pk=pk, clp=clp)
    services.visit_confirm(visit=visit, by=request.user)
    messages.success(request, "Visit confirmed: it now counts in reports.")
    return redirect("pickets:visit", clp.slug, pk)


@tulo_only
@require_POST
def visit_delete(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    visit = get_object_or_404(PicketVisit, pk=pk, clp=clp)
    services.visit_delete(visit=visit)
    messages.success(request, "Visit deleted.")
    return redirect("pickets:visits", clp.slug)


@clp_view(*ANY_ROLE)
def photo(request: MemberRequest, clp: CLP, pk: int) -> FileResponse:
    """A visit photo: the TULO sees every one; others only those with consent."""
    item = get_object_or_404(VisitPhoto, pk=pk, visit__clp=clp)
    if not item.consent and request.membership.role != Role.TULO:
        raise PermissionDenied("This photo is not shared.")
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# Solidarity ledger ----------------------------------------------------------------------------


@tulo_only
def actions(request: MemberRequest, clp: CLP) -> HttpResponse:
    page = selectors.ledger_page(clp=clp, cursor=request.GET.get("after"))
    return render(request, "pickets/actions.html", {"clp": clp, "page": page})


@tulo_only
def action_form(request: MemberRequest, clp: CLP, pk: int | None = None) -> HttpResponse:
    action = (
        get_object_or_404(SolidarityAction, pk=pk, clp=clp) if pk else SolidarityAction(clp=clp)
    )
    initial = None if pk else {"date": timezone.localdate()}
    form = SolidarityActionForm(
        request.POST or None,
        instance=action,
        initial=initial,
        disputes=selectors.disputes_to_choose(),
    )
    if request.method == "POST" and form.is_valid():
        services.solidarity_action_save(action=form.save(commit=False), by=request.user)
        messages.success(request, "Saved to the solidarity ledger.")
        return redirect("pickets:actions", clp.slug)
    return render(request, "pickets/action_form.html", {"clp": clp, "form": form, "action": action})
