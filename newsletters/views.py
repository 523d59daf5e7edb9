"""Public pages of the weekly email, with no login: sign up, confirm, change details, leave.

The pages opened from an email are keyed by the subscriber's token alone. A GET only shows a
button; the POST behind it acts, because mail scanners follow every link in a message.
"""

from collections.abc import Callable
from functools import wraps
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from clps.access import public_clp_view
from clps.models import CLP
from clps.public_cache import public_page
from clps.ratelimit import OVER_LIMIT_MESSAGE, SIGNUPS_PER_HOUR, over_signup_limit
from clps.requests import ClpRequest

from . import selectors, services
from .forms import SubscribeForm, SubscriberDetailsForm
from .models import CONSENT_WORDING, Subscriber, SubscriberStatus


@public_page(shared=False)
@public_clp_view
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: ClpRequest, clp: CLP) -> HttpResponse:
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if over_signup_limit(request, "newsletters", clp.pk):
            form.add_error(None, OVER_LIMIT_MESSAGE)
            status = 429
        else:
            data = form.cleaned_data
            services.subscribe(
                clp=clp, email=data["email"], name=data["name"], postcode=data["postcode"]
            )
            # The same page whatever happened, so the form tells no one who is subscribed.
            return redirect("newsletters_public:subscribe_sent", clp.slug)
    return render(
        request,
        "newsletters/public/subscribe.html",
        {"clp": clp, "form": form, "rate_limit": SIGNUPS_PER_HOUR},
        status=status,
    )


@require_safe
@public_clp_view
def subscribe_sent(request: ClpRequest, clp: CLP) -> HttpResponse:
    return render(
        request,
        "newsletters/public/subscribe_sent.html",
        {"clp": clp, "days": services.PENDING_LIFETIME.days},
    )


def subscription_view(
    view: Callable[[ClpRequest, Subscriber], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Open the subscription a link's token names, or a 404 page that says what to do next.

    The token is the only key, so these pages are never cached, indexed or sent to another
    site as a referrer.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        subscriber = selectors.subscriber_for_token(token=token)
        if subscriber is None:
            response = render(request, "newsletters/public/unknown_link.html", status=404)
        else:
            # The header reads the CLP and a membership, as on a public_clp_view page; whoever
            # follows a link is treated as a visitor with none.
            clp_request = cast(ClpRequest, request)
            clp_request.clp, clp_request.membership = subscriber.clp, None
            response = view(clp_request, subscriber)
        # Kept from other sites by the referrer policy. Not "no-referrer": with it, browsers
        # send "Origin: null" with the page's own forms, and CSRF refuses them.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return never_cache(wrapper)


def _page_context(subscriber: Subscriber, **extra) -> dict:
    return {
        "subscriber": subscriber,
        "clp": subscriber.clp,
        "expired": services.is_expired(subscriber),
        "consent_wording": CONSENT_WORDING,
        "statuses": SubscriberStatus,
        "days": services.PENDING_LIFETIME.days,
        **extra,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@subscription_view
def confirm(request: ClpRequest, subscriber: Subscriber) -> HttpResponse:
    blocked = False
    if request.method == "POST":
        outcome = services.subscription_confirm(subscriber=subscriber)
        if outcome == services.ConfirmOutcome.SUBSCRIBED:
            messages.success(
                request,
                f"You're subscribed. The weekly strikes email from {subscriber.clp.name} will "
                "come to this address.",
            )
            return redirect("newsletters_public:manage", subscriber.token)
        if outcome == services.ConfirmOutcome.ALREADY_SUBSCRIBED:
            messages.info(request, "You were already subscribed: nothing has changed.")
            return redirect("newsletters_public:manage", subscriber.token)
        blocked = outcome == services.ConfirmOutcome.BLOCKED
        subscriber.refresh_from_db()
    return render(
        request, "newsletters/public/confirm.html", _page_context(subscriber, blocked=blocked)
    )


@require_http_methods(["GET", "HEAD", "POST"])
@subscription_view
def manage(request: ClpRequest, subscriber: Subscriber) -> HttpResponse:
    initial = {"name": subscriber.name, "postcode": subscriber.postcode}
    form = SubscriberDetailsForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        services.subscriber_update(
            subscriber=subscriber,
            name=form.cleaned_data["name"],
            postcode=form.cleaned_data["postcode"],
        )
        messages.success(request, "Your details are saved.")
        return redirect("newsletters_public:manage", subscriber.token)
    return render(request, "newsletters/public/manage.html", _page_context(subscriber, form=form))


# A mail program's one-click Unsubscribe (RFC 8058) POSTs here with no cookie and no CSRF
# token; the token in the URL is the only key, and unsubscribing can only take mail away.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@subscription_view
def unsubscribe(request: ClpRequest, subscriber: Subscriber) -> HttpResponse:
    if request.method == "POST":
        services.unsubscribe(subscriber=subscriber)
        return render(request, "newsletters/public/unsubscribed.html", _page_context(subscriber))
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        return render(request, "newsletters/public/unsubscribed.html", _page_context(subscriber))
    return render(request, "newsletters/public/unsubscribe.html", _page_context(subscriber))
