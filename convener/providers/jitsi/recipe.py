"""How Jitsi is offered: built in, no account to connect; rooms on CONVENER_JITSI_URL."""

from __future__ import annotations

from convener.providers.base import Provider
from convener.providers.jitsi.provider import JitsiProvider
from convener.providers.recipe import ConnectedAccount, ProviderRecipe, ProviderSettings


class JitsiRecipe(ProviderRecipe):
    provider = JitsiProvider
    summary = "No account needed: every meeting gets its own long, unguessable room."

    def build(self, account: ConnectedAccount | None, settings: ProviderSettings) -> Provider:
        return JitsiProvider(
            server_url=settings.value("JITSI_URL", "https://meet.jit.si"),
            # Room names are keyed by this installation's secret, so nobody outside it
            # can work out a meeting's room from its key.
            room_salt=settings.installation_key("jitsi-room-names"),
            app_id=settings.value("JITSI_APP_ID"),
            app_secret=settings.value("JITSI_APP_SECRET"),
        )
