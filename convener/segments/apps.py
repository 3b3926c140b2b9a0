from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "convener.segments"
    label = "segments"
    verbose_name = "Segments"

    def ready(self) -> None:
        # The contacts list offers segments through its registry (web cannot import
        # segments: see convener.segments.contact_list).
        from convener.segments import contact_list

        contact_list.register()
