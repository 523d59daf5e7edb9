from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def secure_admin(site: AdminSite) -> None:
    """Site admins sign in through allauth's login (with its two-factor step), never through the
    admin's own password form, and the admin opens only once two-factor sign-in is set up."""
    has_permission = site.has_permission
    allauth_login = secure_admin_login(site.login)

    def has_permission_with_mfa(request: HttpRequest) -> bool:
        return has_permission(request) and is_mfa_enabled(request.user)

    def login(request: HttpRequest, extra_context=None) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not is_mfa_enabled(user):
            messages.warning(
                request, "The admin needs two-factor sign-in. Set up an authenticator app first."
            )
            return redirect("mfa_activate_totp")
        return allauth_login(request, extra_context)

    site.has_permission = has_permission_with_mfa
    site.login = login
