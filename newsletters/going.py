"""The "I'll go" links in the weekly email: each signed for its subscriber, a picket line and
a day. A GET shows the line, the day and one button (mail scanners open every link); the
POST signs the subscriber up, with no account, by the name and address they subscribed
with. The link works until the day is over."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pickets import selectors as pickets_selectors
from pickets import services as pickets_services
from pickets.models import PicketLine, SignupSource

from .links import GO_LINKS
from .models import Subscriber, SubscriberStatus


def _refused(request: HttpRequest, reason: str, status: int, **context) -> HttpResponse:
    return render(
        request, "pickets/public/link_refused.html", {"reason": reason, **context}, status=status
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def go(request: HttpRequest, token: str) -> HttpResponse:
    response = _go(request, token)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _go(request: HttpRequest, token: str) -> HttpResponse:
    ids = GO_LINKS.unsign_ids(token, 3)
    if ids is None:
        return _refused(request, "forged", 404)
    subscriber_id, line_id, day_id = ids
    subscriber = Subscriber.objects.select_related("clp").filter(pk=subscriber_id).first()
    line = (
        PicketLine.objects.select_related("dispute", "clp")
        .filter(pk=line_id, clp_id=subscriber.clp_id)
        .first()
        if subscriber
        else None
    )
    day = line.action_days.filter(pk=day_id).first() if line else None
    if subscriber is None or line is None or day is None:
        return _refused(request, "gone", 404)
    if subscriber.status != SubscriberStatus.ACTIVE:
        return _refused(request, "unsubscribed", 410, line=line, day=day)
    if day.date < timezone.localdate():
        return _refused(request, "over", 410, line=line, day=day)
    # The page's header reads the CLP and a membership; whoever follows the link is a visitor.
    request.clp, request.membership = line.clp, None  # type: ignore[attr-defined]
    signup = pickets_selectors.signup_for_address(
        line_id=line.pk, day_id=day.pk, email=subscriber.email
    )
    if request.method == "POST":
        try:
            if request.POST.get("cancel"):
                if signup is not None:
                    pickets_services.signup_withdraw(signup=signup)
                messages.success(
                    request, "You're no longer down to go. Thanks for letting us know."
                )
            else:
                pickets_services.signup_by_email(
                    picket_line=line,
                    action_day_id=day.pk,
                    name=subscriber.name,
                    email=subscriber.email,
                    source=SignupSource.SUBSCRIBER,
                )
                messages.success(
                    request, "You're going. We'll email you a reminder the evening before."
                )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        return redirect(request.path)
    going = pickets_selectors.signup_counts(line_ids=[line.pk]).get((line.pk, day.pk), 0)
    return render(
        request,
        "newsletters/public/go.html",
        {
            "clp": line.clp,
            "line": line,
            "day": day,
            "going": going,
            "signed_up": signup is not None and signup.confirmed_at is not None,
            "today": timezone.localdate(),
        },
    )
