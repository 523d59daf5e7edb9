from django.apps import AppConfig


class StrikesConfig(AppConfig):
    name = "strikes"
    verbose_name = "Unions, disputes and ballots"

    def ready(self) -> None:
        from privacy.registry import register

        from .personal_data import StrikesPersonalData

        register(self.label, StrikesPersonalData())
