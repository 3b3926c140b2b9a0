from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "convener.hooks"
    label = "hooks"
    verbose_name = "Inbound webhooks"

    def ready(self) -> None:
        # The worker queues again what a dead worker left waiting (convener.intake.sweep).
        from convener.dispatch import periodic
        from convener.hooks import processing
        from convener.intake.sweep import sweeping

        periodic.register("webhook-deliveries", sweeping(processing.recover_waiting))
