from django.apps import AppConfig


class WorkItemsConfig(AppConfig):
    name = "convener.workitems"
    label = "workitems"
    verbose_name = "Work items"
