from django.apps import AppConfig


class ClpsConfig(AppConfig):
    name = "clps"
    verbose_name = "CLPs and people"
