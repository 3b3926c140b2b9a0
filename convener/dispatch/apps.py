from django.apps import AppConfig


class DispatchConfig(AppConfig):
    """Installed for its `worker` command; its state lives in the meetings rows."""

    name = "convener.dispatch"
    label = "dispatch"
    verbose_name = "Dispatch"
