from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "convener.meetings"
    label = "meetings"
    verbose_name = "Meetings"
