"""The "I'll go" links in the weekly email: a token signed for the subscriber and the digest,
with a picket line and a day the digest offered (emails sent before carry a token for each day,
signed for the subscriber, the line and the day). A GET shows the line, the day and one button
(mail scanners open every link); the POST signs the subscriber up, with no account, by the name
and address they subscribed with. The link works until the day is over."""

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

from .links import DAY_GO_LINKS, GO_LINKS
from .models import Digest, Subscriber, SubscriberStatus
from .weekly.render import go_placeholder


def _refused(request: HttpRequest, reason: str, status: int, **context) -> HttpResponse:
    return render(
        request, "pickets/public/link_refused.html", {"reason": reason, **context}, status=status
    )


def _offered(subscriber: Subscriber, digest_id: int, line_id: int, day_id: int) -> bool:
    """Whether the digest, one of the subscriber's CLP's, offered them that day of the line."""
    return Digest.objects.filter(
        pk=digest_id, clp_id=subscriber.clp_id, html__contains=go_placeholder(line_id, day_id)
    ).exists()


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def go(
    request: HttpRequest, token: str, line_id: int | None = None, day_id: int | None = None
) -> HttpResponse:
    response = _go(request, token, line_id, day_id)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _signed(
    token: str, line_id: int | None, day_id: int | None
) -> tuple[int, int, int, int | None] | None:
    """The subscriber, picket line, day and digest (None for a link of the older form) a
    genuine link names, or None."""
    if line_id is None or day_id is None:
        ids = DAY_GO_LINKS.unsign_ids(token, 3)
        return None if ids is None else (ids[0], ids[1], ids[2], None)
    ids = GO_LINKS.unsign_ids(token, 2)
    return None if ids is None else (ids[0], line_id, day_id, ids[1])


def _go(request: HttpRequest, token: str, line_id: int | None, day_id: int | None) -> HttpResponse:
    signed = _signed(token, line_id, day_id)
    if signed is None:
        return _refused(request, "forged", 404)
    subscriber_id, line_id, day_id, digest_id = signed
    subscriber = Subscriber.objects.select_related("clp").filter(pk=subscriber_id).first()
    if subscriber is None or (
        digest_id is not None and not _offered(subscriber, digest_id, line_id, day_id)
    ):
        return _refused(request, "gone", 404)
    line = (
        PicketLine.objects.select_related("dispute", "clp")
        .filter(pk=line_id, clp_id=subscriber.clp_id)
        .first()
    )
    day = line.action_days.filter(pk=day_id).first() if line else None
    if line is None or day is None:
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
