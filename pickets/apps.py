from django.apps import AppConfig


class PicketsConfig(AppConfig):
    name = "pickets"
    verbose_name = "Picket lines and solidarity"
