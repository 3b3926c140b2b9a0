from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "convener.segments"
    label = "segments"
    verbose_name = "Segments"

    def ready(self) -> None:
        # The contacts list offers segments through its registry (web cannot import
        # segments: see convener.segments.contact_list).
        # So do the custom field pages, to count the segments whose rules use a field.
        from convener.segments import contact_list, field_use

        contact_list.register()
        field_use.register()
