from django.apps import AppConfig


class TuLiaisonConfig(AppConfig):
    name = "tuliaison"
    verbose_name = "TU Liaison"
