from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "convener.crm"
    label = "crm"
    verbose_name = "Contacts"
