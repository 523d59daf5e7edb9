from django.apps import AppConfig


class ClpsConfig(AppConfig):
    name = "clps"
    verbose_name = "CLPs and people"

    def ready(self) -> None:
        from . import public_cache

        public_cache.connect_clps()
