"""How Zoom is offered and connected: a person's Zoom account through OAuth, or an
organization's Server-to-Server OAuth app (account credentials)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from convener.providers.base import CapabilityMissing, Provider
from convener.providers.oauth import OAuthApp, TokenSet
from convener.providers.recipe import (
    ConnectedAccount,
    CredentialField,
    OrganizationGrant,
    ProviderRecipe,
    ProviderSettings,
)
from convener.providers.zoom import auth
from convener.providers.zoom.provider import ZoomProvider


class ZoomRecipe(ProviderRecipe):
    provider = ZoomProvider
    settings_prefix = "ZOOM"
    api_url_setting = "ZOOM_API_URL"
    organization = OrganizationGrant(
        kind="server_to_server",
        label="Zoom Server-to-Server",
        help="A Server-to-Server OAuth app with the meeting:write:admin, "
        "meeting:read:admin and user:read:admin scopes.",
        fields=(
            CredentialField("account_id", "Account ID"),
            CredentialField("client_id", "Client ID"),
            CredentialField("client_secret", "Client secret", kind="secret"),
        ),
        check_user_label="A user's email to check hosting with",
        default_host=True,
    )
    identify = staticmethod(auth.identify)

    def build(self, account: ConnectedAccount | None, settings: ProviderSettings) -> Provider:
        if account is None:
            raise CapabilityMissing("Zoom needs a connected account")
        return ZoomProvider(
            http=account.http, app_only=account.app_only, default_host=account.default_host
        )

    def oauth_app(self, settings: ProviderSettings) -> OAuthApp:
        oauth_url = settings.value("ZOOM_OAUTH_URL", auth.OAUTH_URL)
        return auth.oauth_app(
            client_id=settings.value("ZOOM_CLIENT_ID"),
            client_secret=settings.value("ZOOM_CLIENT_SECRET"),
            authorize_url=auth.authorize_endpoint(oauth_url),
            token_url=auth.token_endpoint(oauth_url),
        )

    def organization_token(
        self, credentials: Mapping[str, Any], *, host_email: str | None, settings: ProviderSettings
    ) -> TokenSet:
        return auth.server_to_server_token(
            oauth_url=settings.value("ZOOM_OAUTH_URL", auth.OAUTH_URL),
            account_id=credentials["account_id"],
            client_id=credentials["client_id"],
            client_secret=credentials["client_secret"],
            timeout=settings.timeout,
        )
