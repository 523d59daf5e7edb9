from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """People's rights over their data: a copy of it, erasure, retention and the audit log.

    It reads every other app; nothing imports it but the project's urls and Celery wiring.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Privacy"
