from django.apps import AppConfig
from django.db.models.signals import post_save


class BookingConfig(AppConfig):
    name = "convener.booking"
    label = "booking"
    verbose_name = "Booking pages"

    def ready(self) -> None:
        from convener.booking import retry
        from convener.connections.models import Connection
        from convener.dispatch import periodic

        post_save.connect(
            retry.connection_saved, sender=Connection, dispatch_uid="booking-reconnected"
        )
        periodic.register("booking-meetings", retry.loop)
