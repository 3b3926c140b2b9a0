from django.apps import AppConfig
from django.db.models.signals import post_save


class CalendarConfig(AppConfig):
    name = "convener.calendar"
    label = "calendar"
    verbose_name = "Calendar"

    def ready(self) -> None:
        from convener.calendar.retry import on_connection_saved
        from convener.connections.models import Connection

        post_save.connect(
            on_connection_saved, sender=Connection, dispatch_uid="calendar.retry_on_connect"
        )
