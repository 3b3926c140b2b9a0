from django.apps import AppConfig


class WebFormsConfig(AppConfig):
    name = "convener.webforms"
    label = "webforms"
    verbose_name = "Web forms"

    def ready(self) -> None:
        # The worker queues again what a dead worker left waiting (convener.intake.sweep).
        from convener.dispatch import periodic
        from convener.intake.sweep import sweeping
        from convener.webforms import processing

        periodic.register("webform-submissions", sweeping(processing.recover_waiting))
