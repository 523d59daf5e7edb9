"""Who may open which CLP page. Every CLP view is wrapped by `clp_view`."""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from .models import CLP, Membership, Role

# Roles that can see members' personal data or act for the CLP: a stolen password alone must
# not be enough to open any of their pages, so they need two-factor sign-in for all of them.
MFA_ROLES = frozenset({Role.TULO, Role.EXECUTIVE})


def needs_mfa(user, membership: Membership | None) -> bool:
    if membership is None or membership.role not in MFA_ROLES:
        return False
    has_mfa = getattr(membership, "has_mfa", None)
    return not (is_mfa_enabled(user) if has_mfa is None else has_mfa)


def clp_view(*roles: str) -> Callable:
    """Look up the CLP from the URL and require one of `roles` in it.

    Anonymous visitors go to the login page; signed-in users without the role get a 403. A TULO
    or executive without two-factor sign-in is sent to set it up before any page opens.
    The view is called as view(request, clp, ...), with request.membership set.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, clp_slug: str, *args, **kwargs) -> HttpResponse:
            clp = get_object_or_404(CLP, slug=clp_slug)
            request.clp = clp
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # The role and whether two-factor is set up in one query: every page asks both.
            membership = (
                Membership.objects.filter(clp=clp, user=request.user)
                .select_related("clp")
                .annotate(has_mfa=Exists(Authenticator.objects.filter(user_id=OuterRef("user_id"))))
                .first()
            )
            request.membership = membership
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
