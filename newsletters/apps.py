from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "Weekly email and newsletter"

    def ready(self) -> None:
        from anymail.signals import tracking

        from .webhooks import handle_tracking

        tracking.connect(handle_tracking, dispatch_uid="newsletters.handle_tracking")

        from privacy.registry import register

        from .personal_data import NewslettersPersonalData

        register(self.label, NewslettersPersonalData())

        from clps import public_cache

        from .models import Digest

        # The archive, web versions and feed show the weekly emails that went out.
        public_cache.watch(Digest, public_cache.clp_scopes_of)
