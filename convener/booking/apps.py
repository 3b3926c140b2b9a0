from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "convener.booking"
    label = "booking"
    verbose_name = "Booking pages"
