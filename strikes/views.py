"""The TULO's pages over the shared records. Every view is reached from a CLP the user is TULO of;
the records themselves are shared, so any CLP's TULO may correct them (the history says who)."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clps.access import clp_view
from clps.models import CLP, Role
from clps.pagination import keyset_page
from clps.requests import MemberRequest

from . import selectors, services
from .ballot_law import assess
from .forms import (
    ActionDayForm,
    ActionDayRangeForm,
    BallotForm,
    BranchForm,
    DisputeFilterForm,
    DisputeForm,
    EmployerForm,
    UnionForm,
    WorkplaceForm,
)
from .models import ActionDay, Ballot, Branch, Dispute, Employer, Union, Workplace
from .runs import runs

tulo_only = clp_view(Role.TULO)


@tulo_only
def dispute_list(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = DisputeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.dispute_list(
        clp=clp,
        q=filters.get("q", ""),
        union=filters.get("union"),
        status=filters.get("status", ""),
        scope=filters.get("scope", ""),
    )
    page = keyset_page(qs, order=["-updated_at", "-id"], cursor=request.GET.get("after"))
    params = request.GET.copy()
    params.pop("after", None)
    context = {"clp": clp, "form": form, "page": page, "query": params.urlencode()}
    template = "strikes/_dispute_rows.html" if request.htmx else "strikes/dispute_list.html"
    return render(request, template, context)


def _dispute_or_404(clp: CLP, pk: int) -> Dispute:
    try:
        return selectors.dispute_detail(clp=clp, pk=pk)
    except Dispute.DoesNotExist:
        raise Http404("No such dispute.") from None


@tulo_only
def dispute_detail(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    dispute = _dispute_or_404(clp, pk)
    rules = selectors.rule_sets()
    ballots = [(ballot, assess(ballot, rules)) for ballot in dispute.ballots.all()]
    today = timezone.localdate()
    days = list(dispute.action_days.all())
    past = [day for day in days if day.date < today]
    return render(
        request,
        "strikes/dispute_detail.html",
        {
            "clp": clp,
            "dispute": dispute,
            "ballots": ballots,
            # Runs, each opening to its days and their Edit links; the days gone by folded.
            "upcoming": runs(day for day in days if day.date >= today),
            "past": runs(past),
            "past_days": len(past),
            "today": today,
            "changes": selectors.dispute_changes(dispute=dispute),
        },
    )


def _dispute_form(request: MemberRequest, clp: CLP, dispute: Dispute | None) -> HttpResponse:
    form = DisputeForm(request.POST or None, instance=dispute)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = services.dispute_save(
            clp=clp,
            user=request.user,
            dispute=form.save(commit=False),
            unions=data["unions"],
            branches=data["branches"],
            workplaces=data["workplaces"],
            new_employer=data["new_employer"],
        )
        messages.success(request, f"Saved “{saved.title}”.")
        return redirect("strikes:dispute_detail", clp.slug, saved.pk)
    return render(
        request, "strikes/dispute_form.html", {"clp": clp, "form": form, "dispute": dispute}
    )


@tulo_only
def dispute_create(request: MemberRequest, clp: CLP) -> HttpResponse:
    return _dispute_form(request, clp, None)


@tulo_only
def dispute_edit(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    return _dispute_form(request, clp, get_object_or_404(Dispute, pk=pk))


@tulo_only
@require_POST
def dispute_follow(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute, pk=pk)
    if request.POST.get("follow") == "1":
        services.dispute_follow(clp=clp, dispute=dispute, user=request.user)
    else:
        services.dispute_unfollow(clp=clp, dispute=dispute)
    if request.htmx:
        dispute = selectors.dispute_detail(clp=clp, pk=pk)
        return render(request, "strikes/_follow.html", {"clp": clp, "dispute": dispute})
    return redirect("strikes:dispute_detail", clp.slug, pk)


def _child_saved(request: HttpRequest, clp: CLP, dispute: Dispute, title: str) -> HttpResponse:
    messages.success(request, f"{title}: saved.")
    return redirect("strikes:dispute_detail", clp.slug, dispute.pk)


def _child_page(
    request: HttpRequest, clp: CLP, dispute: Dispute, form: forms.BaseForm, title: str
) -> HttpResponse:
    return render(
        request,
        "strikes/child_form.html",
        {"clp": clp, "dispute": dispute, "form": form, "title": title},
    )


@tulo_only
def ballot_form(
    request: MemberRequest, clp: CLP, pk: int, ballot_pk: int | None = None
) -> HttpResponse:
    dispute = get_object_or_404(Dispute, pk=pk)
    ballot = get_object_or_404(Ballot, pk=ballot_pk, dispute=dispute) if ballot_pk else None
    first_union = dispute.unions.order_by("short_name").first()
    initial = {"union": first_union.pk} if first_union and ballot is None else {}
    title = "Edit ballot" if ballot else "Add a ballot"
    form = BallotForm(request.POST or None, instance=ballot, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        services.ballot_save(ballot=form.save(commit=False), dispute=dispute)
        return _child_saved(request, clp, dispute, title)
    return _child_page(request, clp, dispute, form, title)


@tulo_only
def action_day_form(
    request: MemberRequest, clp: CLP, pk: int, day_pk: int | None = None
) -> HttpResponse:
    dispute = get_object_or_404(Dispute, pk=pk)
    day = get_object_or_404(ActionDay, pk=day_pk, dispute=dispute) if day_pk else None
    title = "Edit action day" if day else "Add an action day"
    form = ActionDayForm(request.POST or None, instance=day)
    if request.method == "POST" and form.is_valid():
        services.action_day_save(action_day=form.save(commit=False), dispute=dispute)
        return _child_saved(request, clp, dispute, title)
    return _child_page(request, clp, dispute, form, title)


@tulo_only
def action_days_range(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute, pk=pk)
    form = ActionDayRangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, skipped = services.action_days_add(
            dispute=dispute,
            dates=data["dates"],
            kind=data["kind"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            note=data["note"],
        )
        text = f"Added {len(created)} action day{'s' if len(created) != 1 else ''}."
        if skipped:
            text += f" {len(skipped)} already existed and were left as they were."
        messages.success(request, text)
        return redirect("strikes:dispute_detail", clp.slug, dispute.pk)
    return _child_page(request, clp, dispute, form, "Add action days for a date range")


RECORD_KINDS = {
    "unions": (Union, UnionForm, "union"),
    "branches": (Branch, BranchForm, "branch"),
    "employers": (Employer, EmployerForm, "employer"),
    "workplaces": (Workplace, WorkplaceForm, "workplace"),
}


@tulo_only
def records(request: MemberRequest, clp: CLP) -> HttpResponse:
    return render(
        request,
        "strikes/records.html",
        {
            "clp": clp,
            "pages": selectors.record_pages(
                cursors={kind: request.GET.get(f"{kind}_after") for kind in RECORD_KINDS}
            ),
        },
    )


@tulo_only
def record_form(request: MemberRequest, clp: CLP, kind: str, pk: int | None = None) -> HttpResponse:
    if kind not in RECORD_KINDS:
        raise Http404("No such kind of record.")
    model, form_class, noun = RECORD_KINDS[kind]
    instance = get_object_or_404(model, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = services.record_save(record=form.save(commit=False))
        messages.success(request, f"Saved {noun} “{obj}”.")
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("strikes:records", args=[clp.slug])
        return redirect(next_url)
    return render(
        request,
        "strikes/record_form.html",
        {"clp": clp, "form": form, "noun": noun, "instance": instance},
    )
