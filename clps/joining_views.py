"""The TULO's answers to requests to join and their invitations, from the people page and the
dashboard; and the page an invitation's link opens, for anyone who has the link."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import joining, selectors
from .access import clp_view
from .forms import InviteForm
from .models import CLP, Invitation, JoinOutcome, JoinRequest, Membership, Role
from .requests import ClpRequest, MemberRequest
from .views import render_people


def _back(request: MemberRequest, clp: CLP) -> HttpResponse:
    """To the page the button was on: the dashboard or the people page."""
    if request.POST.get("from") == "dashboard":
        return redirect("dashboard", clp.slug)
    return redirect("clps:people", clp.slug)


def _decide(request: MemberRequest, clp: CLP, join_request_id: int, outcome: str) -> HttpResponse:
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user"), pk=join_request_id, clp=clp
    )
    person = join_request.user.name or join_request.user.email
    if not joining.join_request_decide(join_request=join_request, by=request.user, outcome=outcome):
        messages.info(request, f"The request from {person} had already been answered.")
    elif outcome == JoinOutcome.APPROVED:
        messages.success(request, f"{person} is now a member of {clp.name}. They have been told.")
    else:
        messages.success(request, f"Request from {person} declined. They have been told.")
    return _back(request, clp)


@clp_view(Role.TULO)
@require_POST
def join_request_approve(request: MemberRequest, clp: CLP, join_request_id: int) -> HttpResponse:
    return _decide(request, clp, join_request_id, JoinOutcome.APPROVED)


@clp_view(Role.TULO)
@require_POST
def join_request_decline(request: MemberRequest, clp: CLP, join_request_id: int) -> HttpResponse:
    return _decide(request, clp, join_request_id, JoinOutcome.DECLINED)


@clp_view(Role.TULO)
@require_POST
def invite(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, _ = joining.invitation_send(
                clp=clp,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email} to join as "
                f"{invitation.get_role_display()}. The link works for "
                f"{joining.INVITATION_LIFETIME.days} days.",
            )
            return redirect("clps:people", clp.slug)
    return render_people(request, clp, invite_form=form)


@clp_view(Role.TULO)
@require_POST
def invitation_revoke(request: MemberRequest, clp: CLP, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id, clp=clp)
    if joining.invitation_revoke(invitation=invitation, by=request.user):
        messages.success(
            request, f"Invitation to {invitation.email} revoked: its link no longer works."
        )
    else:
        messages.info(request, f"The invitation to {invitation.email} was already used or revoked.")
    return redirect("clps:people", clp.slug)


# The invitation's link ----------------------------------------------------------------------------

CLOSED_STATUS = 410


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """What the link opens. A GET only shows the invitation (mail scanners open every link);
    the button on it, signed in, accepts it."""
    found = selectors.invitation_for_token(token=token)
    if found is None:
        response = render(request, "clps/invitation_closed.html", {"state": "unknown"}, status=404)
    else:
        response = _invitation_page(request, found)
    # The token is the whole key: never indexed, nor sent on as a referrer.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _invitation_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    clp = invitation.clp
    # The header shows the CLP as on its public page.
    clp_request = cast(ClpRequest, request)
    clp_request.clp, clp_request.membership = clp, None
    if request.user.is_authenticated:
        clp_request.membership = Membership.objects.filter(clp=clp, user=request.user).first()
    state = joining.invitation_state(invitation)
    if state != joining.InvitationState.OPEN:
        return _closed(request, invitation, state)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = joining.invitation_accept(invitation=invitation, user=request.user)
        except joining.InvitationClosed as exc:
            invitation.refresh_from_db()
            return _closed(request, invitation, exc.state)
        messages.success(
            request, f"Welcome to {clp.name}: you are {membership.get_role_display()} here."
        )
        return redirect(selectors.landing_url_name(membership), clp.slug)
    return render(
        request,
        "clps/invitation.html",
        {
            "invitation": invitation,
            "clp": clp,
            "membership": clp_request.membership,
            "inviter": invitation.invited_by,
        },
    )


def _closed(request: HttpRequest, invitation: Invitation, state: str) -> HttpResponse:
    user = request.user
    if (
        state == joining.InvitationState.ACCEPTED
        and user.is_authenticated
        and invitation.accepted_by_id == user.pk
    ):
        # Their own second click, or the link opened again: they are in already.
        messages.info(
            request, f"You have already accepted this invitation to {invitation.clp.name}."
        )
        return redirect("clps:home", invitation.clp.slug)
    return render(
        request,
        "clps/invitation_closed.html",
        {"state": state, "clp": invitation.clp, "invitation": invitation},
        status=CLOSED_STATUS,
    )
