from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "convener.imports"
    label = "imports"
    verbose_name = "Contact imports"
