from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "convener.hooks"
    label = "hooks"
    verbose_name = "Inbound webhooks"
