from django.apps import AppConfig
from django.db.models.signals import post_save, pre_delete


class CalendarConfig(AppConfig):
    name = "convener.calendar"
    label = "calendar"
    verbose_name = "Calendar"

    def ready(self) -> None:
        from convener.calendar import copies, copy_worker
        from convener.calendar.models import Event
        from convener.calendar.retry import on_connection_saved, on_meeting_saved
        from convener.connections.models import Connection
        from convener.meetings.models import Meeting

        post_save.connect(
            on_connection_saved, sender=Connection, dispatch_uid="calendar.retry_on_connect"
        )
        post_save.connect(on_meeting_saved, sender=Meeting, dispatch_uid="calendar.copy_on_meeting")
        pre_delete.connect(copies.on_event_deleted, sender=Event, dispatch_uid="calendar.copy_gone")
        copy_worker.register()
