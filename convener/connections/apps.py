from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "convener.connections"
    label = "connections"
    verbose_name = "Connections"
