from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TuLiaisonConfig(AppConfig):
    name = "tuliaison"
    verbose_name = "TU Liaison"


class AdminConfig(admin_apps.AdminConfig):
    """The Django admin, whose site asks for two-factor sign-in (tuliaison.admin_access).
    Named in INSTALLED_APPS in place of django.contrib.admin."""

    # Not the config Django picks for the tuliaison app itself: that stays TuLiaisonConfig.
    default = False
    default_site = "tuliaison.admin_access.SecureAdminSite"
