from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "convener.web"
    label = "web"
    verbose_name = "Web"
