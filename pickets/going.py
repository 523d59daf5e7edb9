"""Saying you'll go to a picket line without an account: the public page's sign-up, confirmed
by an emailed link, and the links in emails that confirm a sign-up or take it back.

The links name the sign-up and are signed (pickets.links). A GET only shows a button; the
POST behind it acts, because mail scanners follow every link in a message. The pages are
never cached, indexed or sent to another site as a referrer.
"""

from collections.abc import Callable
from functools import wraps
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clps.access import public_clp_view
from clps.links import LinkSigner
from clps.models import CLP
from clps.ratelimit import OVER_LIMIT_MESSAGE, over_signup_limit
from clps.requests import ClpRequest

from . import selectors, services
from .forms import PublicSignupForm
from .links import CANCEL_LINKS, CONFIRM_LINKS, cancel_url
from .models import PicketLine, PicketSignup
from .views import picket_line_page


@public_clp_view
@require_POST
def public_signup(request: ClpRequest, clp: CLP, pk: int) -> HttpResponse:
    line = get_object_or_404(
        PicketLine.objects.select_related("dispute", "dispute__employer"), pk=pk, clp=clp
    )
    days = list(
        line.action_days.filter(date__gte=timezone.localdate(), cancelled=False).order_by("date")
    )
    form = PublicSignupForm(request.POST, days=days)
    if not form.is_valid():
        return picket_line_page(request, clp, line, signup_form=form, status=400)
    if over_signup_limit(request, "pickets", clp.pk):
        form.add_error(None, OVER_LIMIT_MESSAGE)
        return picket_line_page(request, clp, line, signup_form=form, status=429)
    data = form.cleaned_data
    try:
        services.public_signup(
            picket_line=line,
            action_day_id=data["action_day"],
            name=data["name"],
            email=data["email"],
        )
    except ValidationError as exc:
        form.add_error("action_day", exc)
        return picket_line_page(request, clp, line, signup_form=form, status=400)
    return redirect("pickets:public_signup_sent", clp.slug, line.pk)


@require_safe
@public_clp_view
def public_signup_sent(request: ClpRequest, clp: CLP, pk: int) -> HttpResponse:
    line = get_object_or_404(PicketLine.objects.select_related("dispute"), pk=pk, clp=clp)
    return render(request, "pickets/public/signup_sent.html", {"clp": clp, "line": line})


def signup_link(
    signer: LinkSigner,
) -> Callable[
    [Callable[[ClpRequest, PicketSignup], HttpResponse]], Callable[[HttpRequest, str], HttpResponse]
]:
    """Open the sign-up a signed link names, or a page that says plainly why not."""

    def decorate(
        view: Callable[[ClpRequest, PicketSignup], HttpResponse],
    ) -> Callable[[HttpRequest, str], HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str) -> HttpResponse:
            ids = signer.unsign_ids(token, 1)
            signup = selectors.signup_with_line(pk=ids[0]) if ids else None
            if signup is None:
                response = render(
                    request,
                    "pickets/public/link_refused.html",
                    {"reason": "gone" if ids else "forged"},
                    status=404,
                )
            elif signup.action_day.date < timezone.localdate():
                response = render(
                    request,
                    "pickets/public/link_refused.html",
                    {"reason": "over", "line": signup.picket_line, "day": signup.action_day},
                    status=410,
                )
            else:
                clp_request = cast(ClpRequest, request)
                clp_request.clp, clp_request.membership = signup.picket_line.clp, None
                response = view(clp_request, signup)
            response["Referrer-Policy"] = "same-origin"
            response["X-Robots-Tag"] = "noindex"
            return response

        return never_cache(require_http_methods(["GET", "HEAD", "POST"])(wrapper))

    return decorate


def _page(request: ClpRequest, signup: PicketSignup, template: str, **extra) -> HttpResponse:
    line, day = signup.picket_line, signup.action_day
    going = selectors.signup_counts(line_ids=[line.pk]).get((line.pk, day.pk), 0)
    return render(
        request,
        template,
        {"signup": signup, "line": line, "day": day, "going": going, "clp": line.clp, **extra},
    )


@signup_link(CONFIRM_LINKS)
def confirm(request: ClpRequest, signup: PicketSignup) -> HttpResponse:
    if request.method == "POST":
        if signup.action_day.cancelled:
            messages.error(request, "That strike day has been cancelled: there is no picket.")
        elif services.signup_confirm(signup=signup):
            messages.success(
                request, "You're going. We'll email you a reminder the evening before."
            )
        return redirect(request.path)
    return _page(request, signup, "pickets/public/confirm.html", cancel_url=cancel_url(signup))


@signup_link(CANCEL_LINKS)
def cancel(request: ClpRequest, signup: PicketSignup) -> HttpResponse:
    if request.method == "POST":
        services.signup_withdraw(signup=signup)
        return render(
            request,
            "pickets/public/cancelled.html",
            {"line": signup.picket_line, "day": signup.action_day, "clp": signup.picket_line.clp},
        )
    return _page(request, signup, "pickets/public/cancel.html")
