from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "convener.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        # The worker gives itself again, every minute, the large launches that stopped
        # midway or lost their worker (convener.scheduling.background).
        from convener.dispatch import periodic
        from convener.scheduling.background import requeue_stalled

        periodic.register(
            "stalled-launches", periodic.repeating(requeue_stalled, 60.0, "stalled launches")
        )
