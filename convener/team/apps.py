from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "convener.team"
    label = "team"
    verbose_name = "Team"
