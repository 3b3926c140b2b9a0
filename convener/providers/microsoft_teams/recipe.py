"""How Microsoft Teams is offered and connected: a person's work or school account
through OAuth, or an organization's app registration (app-only, client credentials)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from convener.providers.microsoft_teams import auth
from convener.providers.microsoft_teams.provider import MicrosoftTeamsProvider
from convener.providers.oauth import OAuthApp, TokenSet
from convener.providers.recipe import (
    CredentialField,
    OrganizationGrant,
    ProviderRecipe,
    ProviderSettings,
)


class MicrosoftTeamsRecipe(ProviderRecipe):
    provider = MicrosoftTeamsProvider
    settings_prefix = "MICROSOFT"
    api_url_setting = "MICROSOFT_GRAPH_URL"
    organization = OrganizationGrant(
        kind="client_credentials",
        label="Microsoft app-only",
        help="An app registration with the Calendars.ReadWrite application permission "
        "and a Teams application access policy.",
        fields=(
            CredentialField("tenant_id", "Directory (tenant) ID"),
            CredentialField("client_id", "Application (client) ID"),
            CredentialField("client_secret", "Client secret", kind="secret"),
        ),
        check_user_label="A user to check the Teams access policy with",
    )
    identify = staticmethod(auth.identify)

    def oauth_app(self, settings: ProviderSettings) -> OAuthApp:
        return auth.oauth_app(
            client_id=settings.value("MICROSOFT_CLIENT_ID"),
            client_secret=settings.value("MICROSOFT_CLIENT_SECRET"),
            login_url=settings.value("MICROSOFT_LOGIN_URL", auth.LOGIN_URL),
            tenant=settings.value("MICROSOFT_TENANT", "common"),
        )

    def organization_token(
        self, credentials: Mapping[str, Any], *, host_email: str | None, settings: ProviderSettings
    ) -> TokenSet:
        return auth.app_token(
            login_url=settings.value("MICROSOFT_LOGIN_URL", auth.LOGIN_URL),
            tenant_id=credentials["tenant_id"],
            client_id=credentials["client_id"],
            client_secret=credentials["client_secret"],
            timeout=settings.timeout,
        )
