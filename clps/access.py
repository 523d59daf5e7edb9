"""Who may open which CLP page. Every CLP view is wrapped by `clp_view`."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, cast

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect

from .models import CLP, Membership, Role, User
from .requests import ClpRequest, MemberRequest

# Roles that can see members' personal data or act for the CLP: a stolen password alone must
# not be enough to open any of their pages, so they need two-factor sign-in for all of them.
MFA_ROLES = frozenset({Role.TULO, Role.EXECUTIVE})


def needs_mfa(user: User | AnonymousUser, membership: Membership | None) -> bool:
    if membership is None or membership.role not in MFA_ROLES:
        return False
    has_mfa = getattr(membership, "has_mfa", None)
    return not (is_mfa_enabled(user) if has_mfa is None else has_mfa)


def clp_view[**P](
    *roles: str,
) -> Callable[
    [Callable[Concatenate[MemberRequest, CLP, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, str, P], HttpResponseBase],
]:
    """Look up the CLP from the URL and require one of `roles` in it.

    Anonymous visitors go to the login page; signed-in users without the role get a 403. A TULO
    or executive without two-factor sign-in is sent to set it up before any page opens.
    The view is called as view(request, clp, ...), with request a MemberRequest.
    """

    def decorator(
        view: Callable[Concatenate[MemberRequest, CLP, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, str, P], HttpResponseBase]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, clp_slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponseBase:
            clp_request, clp = _with_clp(request, clp_slug)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # The role and whether two-factor is set up in one query: every page asks both.
            membership = (
                Membership.objects.filter(clp=clp, user=request.user)
                .select_related("clp")
                .annotate(has_mfa=Exists(Authenticator.objects.filter(user_id=OuterRef("user_id"))))
                .first()
            )
            clp_request.membership = membership
            if membership is None or membership.role not in roles:
                raise PermissionDenied("Your role in this CLP does not give access to this page.")
            if needs_mfa(request.user, membership):
                messages.warning(
                    request,
                    f"As {membership.get_role_display()} of {clp.name} you need two-factor "
                    "sign-in, so that a stolen password alone cannot open the CLP's records. "
                    "Set up an authenticator app here (after your password, if asked for it), "
                    "then open the page again.",
                )
                return redirect("mfa_activate_totp")
            # Signed in, with a role here: what MemberRequest promises the view.
            return view(cast(MemberRequest, request), clp, *args, **kwargs)

        return wrapper

    return decorator


def _with_clp(request: HttpRequest, clp_slug: str) -> tuple[ClpRequest, CLP]:
    """The CLP the URL names (404 if none), set on the request with no membership yet."""
    clp = get_object_or_404(CLP, slug=clp_slug)
    clp_request = cast(ClpRequest, request)
    clp_request.clp, clp_request.membership = clp, None
    return clp_request, clp


def public_clp_view[**P](
    view: Callable[Concatenate[ClpRequest, CLP, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, str, P], HttpResponseBase]:
    """A CLP page anyone may read; request.membership is set for a signed-in member."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, clp_slug: str, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponseBase:
        clp_request, clp = _with_clp(request, clp_slug)
        if request.user.is_authenticated:
            clp_request.membership = Membership.objects.filter(clp=clp, user=request.user).first()
        return view(clp_request, clp, *args, **kwargs)

    return wrapper
