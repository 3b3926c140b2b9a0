from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "convener.segments"
    label = "segments"
    verbose_name = "Segments"
