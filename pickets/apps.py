from django.apps import AppConfig


class PicketsConfig(AppConfig):
    name = "pickets"
    verbose_name = "Picket lines and solidarity"

    def ready(self) -> None:
        from privacy.registry import register

        from .personal_data import PicketsPersonalData

        register(self.label, PicketsPersonalData())
