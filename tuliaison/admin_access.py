from typing import Any

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class SecureAdminSite(AdminSite):
    """The Django admin (admin.site, through tuliaison.apps.AdminConfig). Site admins sign in
    through allauth's login (with its two-factor step), never through the admin's own password
    form, and the admin opens only once two-factor sign-in is set up."""

    site_header = "TU Liaison administration"
    site_title = "TU Liaison admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and is_mfa_enabled(request.user)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not is_mfa_enabled(user):
            messages.warning(
                request, "The admin needs two-factor sign-in. Set up an authenticator app first."
            )
            return redirect("mfa_activate_totp")
        return secure_admin_login(super().login)(request, extra_context)
