from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "convener.calendar"
    label = "calendar"
    verbose_name = "Calendar"
