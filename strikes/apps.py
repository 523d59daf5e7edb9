from django.apps import AppConfig


class StrikesConfig(AppConfig):
    name = "strikes"
    verbose_name = "Unions, disputes and ballots"
