from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """People's rights over their data: a copy of it, erasure, retention and the audit log.

    It sits on the ground floor beside `clps` and imports no other app: each app that holds
    personal data offers its part through `privacy.registry` (see there). Nothing imports the
    privacy app's pages but the project's urls and Celery wiring.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from .ground_floor import JoiningPersonalData
        from .registry import register

        # The ground floor's own requests to join and invitations, which clps cannot register.
        register("clps", JoiningPersonalData())
