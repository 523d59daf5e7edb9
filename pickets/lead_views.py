"""The trip leader's pages, through a secret link and no account: who is coming to the picket
line, first names only; and on the day, the check-in: who came, who else turned up, and Done,
which drafts the visit for the TULO (pickets.checkin).

The link's token is the whole key. Each form posts back and is answered with the page again
at the day it was about (htmx swaps in just that day, where the browser runs it). The pages
are never cached or indexed, and their address is never sent to another site as a referrer.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clps.requests import AppRequest
from strikes.models import ActionDay

from . import checkin, selectors
from .checkin import LeadDay, Sent
from .forms import CameForm, WalkInForm
from .models import LeadLink

LeadView = Callable[..., HttpResponse]


def _refused(request: AppRequest, reason: str, link: LeadLink | None = None) -> HttpResponse:
    return render(
        request, "pickets/lead_refused.html", {"reason": reason, "link": link}, status=404
    )


def lead_link_view(view: LeadView) -> Callable[..., HttpResponse]:
    """Open the live link the token names, or a page that says plainly it does not open."""

    @wraps(view)
    def wrapper(request: AppRequest, token: str, **kwargs) -> HttpResponse:
        link = selectors.live_lead_link(token=token)
        response = _refused(request, "link") if link is None else view(request, link, **kwargs)
        # The site's "same-origin" keeps the token from other sites. Not "no-referrer": with
        # it, browsers send "Origin: null" with the page's own forms, and CSRF refuses them.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return never_cache(wrapper)


def checkin_view(view: LeadView) -> Callable[..., HttpResponse]:
    """A check-in form's POST, for a day of the link's line open for check-in; else a page
    that says why not, and nothing changes."""

    @wraps(view)
    def wrapper(request: AppRequest, link: LeadLink, day_pk: int) -> HttpResponse:
        day = checkin.checkin_day(link=link, day_id=day_pk)
        if day is None:
            return _refused(request, "day", link)
        return view(request, link, day)

    return require_POST(lead_link_view(wrapper))


def _page(
    request: AppRequest, link: LeadLink, days: list[LeadDay], status: int = 200
) -> HttpResponse:
    return render(
        request,
        "pickets/lead.html",
        {"line": link.picket_line, "token": link.token, "days": days},
        status=status,
    )


def _back(link: LeadLink, day_pk: int) -> HttpResponse:
    return redirect(reverse("pickets_lead:lead", args=[link.token]) + f"#day-{day_pk}")


@lead_link_view
def lead(request: AppRequest, link: LeadLink) -> HttpResponse:
    """Who is coming on each day ahead, and the check-in list for today and the last days."""
    return _page(request, link, checkin.lead_days(link=link))


@checkin_view
def came(request: AppRequest, link: LeadLink, day: ActionDay) -> HttpResponse:
    form = CameForm(request.POST)
    if not form.is_valid() or not checkin.attendance_set(
        link=link, day=day, signup_id=form.cleaned_data["signup"], came=form.cleaned_data["came"]
    ):
        return _refused(request, "signup", link)
    if request.htmx:
        # Just the day, swapped in where it was: no reload, and the tapped button keeps focus.
        (row,) = checkin.lead_days(link=link, only=day)
        return render(request, "pickets/_lead_day.html", {"row": row, "token": link.token})
    return _back(link, day.pk)


@checkin_view
def walk_in(request: AppRequest, link: LeadLink, day: ActionDay) -> HttpResponse:
    form = WalkInForm(request.POST, auto_id=f"day{day.pk}_%s")
    if form.is_valid():
        try:
            checkin.walk_in_add(link=link, day=day, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc)
    if form.errors:
        # The page again, with what was typed and what is wrong next to it.
        days = checkin.lead_days(link=link)
        for row in days:
            if row.day.pk == day.pk:
                row.form = form
        return _page(request, link, days, status=400)
    return _back(link, day.pk)


@checkin_view
def done(request: AppRequest, link: LeadLink, day: ActionDay) -> HttpResponse:
    sent = checkin.checkin_send(link=link, day=day)
    count = sent.visit.members_count if sent.visit else 0
    people = f"{count} {'person' if count == 1 else 'people'}"
    if sent.outcome == Sent.DRAFTED:
        messages.success(request, f"Sent to the TULO: {people} came. Thank you!")
    elif sent.outcome == Sent.UPDATED:
        messages.success(request, f"Sent again: the TULO's draft now says {people} came.")
    elif sent.outcome == Sent.CONFIRMED_ALREADY:
        messages.warning(
            request,
            f"The TULO has already confirmed this day's visit ({people}), so it stays as it "
            "is. If something changed, tell the TULO.",
        )
    else:
        kept = " The list sent before stays with the TULO as it was." if sent.visit else ""
        messages.error(request, "Nobody is ticked as came: tap each person who came." + kept)
    return _back(link, day.pk)
