from django.apps import AppConfig


class WebFormsConfig(AppConfig):
    name = "convener.webforms"
    label = "webforms"
    verbose_name = "Web forms"
