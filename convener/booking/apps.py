from django.apps import AppConfig
from django.db.models.signals import post_save


class BookingConfig(AppConfig):
    name = "convener.booking"
    label = "booking"
    verbose_name = "Booking pages"

    def ready(self) -> None:
        from convener.booking.reconnected import connection_saved
        from convener.connections.models import Connection

        post_save.connect(connection_saved, sender=Connection, dispatch_uid="booking-reconnected")
