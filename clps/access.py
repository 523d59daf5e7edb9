"""Who may open which CLP page. Every CLP view is wrapped by `clp_view`."""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from .models import CLP, Membership, Role

# Roles whose pages show personal data of members: they must have two-factor sign-in.
MFA_ROLES = frozenset({Role.TULO, Role.EXECUTIVE})


def needs_mfa(user, membership: Membership | None) -> bool:
    return membership is not None and membership.role in MFA_ROLES and not is_mfa_enabled(user)


def clp_view(*roles: str, member_data: bool = False) -> Callable:
    """Look up the CLP from the URL and require one of `roles` in it.

    Anonymous visitors go to the login page; signed-in users without the role get a 403.
    With `member_data`, TULOs and executives must also have two-factor sign-in set up.
    The view is called as view(request, clp, ...), with request.membership set.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, clp_slug: str, *args, **kwargs) -> HttpResponse:
            clp = get_object_or_404(CLP, slug=clp_slug)
            request.clp = clp
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = (
                Membership.objects.filter(clp=clp, user=request.user).select_related("clp").first()
            )
            request.membership = membership
            if membership is None or membership.role not in roles:
                raise PermissionDenied("Your role in this CLP does not give access to this page.")
            if member_data and needs_mfa(request.user, membership):
                messages.warning(
                    request,
                    "This page shows members' personal data. Set up two-factor sign-in "
                    "(an authenticator app) to open it.",
                )
                return redirect("mfa_activate_totp")
            return view(request, clp, *args, **kwargs)

        return wrapper

    return decorator


def public_clp_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A CLP page anyone may read; request.membership is set for a signed-in member."""

    @wraps(view)
    def wrapper(request: HttpRequest, clp_slug: str, *args, **kwargs) -> HttpResponse:
        clp = get_object_or_404(CLP, slug=clp_slug)
        request.clp = clp
        request.membership = None
        if request.user.is_authenticated:
            request.membership = Membership.objects.filter(clp=clp, user=request.user).first()
        return view(request, clp, *args, **kwargs)

    return wrapper
