from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "convener.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # Registered from above, as segments do: the worker runs the campaign steps, a
        # form submission enters its campaigns, the contact page shows a contact's journeys.
        from convener.campaigns import contact_section, runner, sources, webhook_log

        runner.register()
        webhook_log.register()
        sources.register()
        contact_section.register()
