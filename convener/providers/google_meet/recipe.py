"""How Google Meet is offered and connected: a person's Google account through OAuth, or
a Workspace organization through a service account with domain-wide delegation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from convener.providers.base import CapabilityMissing
from convener.providers.google_meet import auth
from convener.providers.google_meet.provider import GoogleMeetProvider
from convener.providers.oauth import OAuthApp, TokenSet
from convener.providers.recipe import (
    CredentialField,
    OrganizationGrant,
    ProviderRecipe,
    ProviderSettings,
)


def read_service_account_key(data: bytes) -> dict[str, Any]:
    """An uploaded service-account key file, checked; ValueError says what is wrong."""
    try:
        key = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("this file is not a JSON key file") from None
    auth.validate_service_account_key(key)
    return dict(key)


class GoogleMeetRecipe(ProviderRecipe):
    provider = GoogleMeetProvider
    settings_prefix = "GOOGLE"
    api_url_setting = "GOOGLE_API_URL"
    organization = OrganizationGrant(
        kind="service_account",
        label="Google service account",
        help="A service account with domain-wide delegation for the Calendar scopes; "
        "meetings are made as each host user.",
        fields=(
            CredentialField(
                "service_account",
                "Service account key (JSON)",
                kind="file",
                read_file=read_service_account_key,
            ),
        ),
        check_user_label="A user of your domain to check the delegation with",
        # Meet links need a user: the service account acts as each host in turn.
        app_only=False,
        token_per_host=True,
    )
    identify = staticmethod(auth.identify)

    def oauth_app(self, settings: ProviderSettings) -> OAuthApp:
        return auth.oauth_app(
            client_id=settings.value("GOOGLE_CLIENT_ID"),
            client_secret=settings.value("GOOGLE_CLIENT_SECRET"),
            authorize_url=settings.value("GOOGLE_AUTH_URI"),
            token_url=settings.value("GOOGLE_TOKEN_URI"),
        )

    def organization_token(
        self, credentials: Mapping[str, Any], *, host_email: str | None, settings: ProviderSettings
    ) -> TokenSet:
        if not host_email:
            raise CapabilityMissing(
                "a Google service account makes meetings as a user of the domain: the meeting "
                "needs a host with an email address"
            )
        return auth.service_account_token(
            credentials["service_account"],
            subject=host_email,
            token_url=settings.value("GOOGLE_TOKEN_URI"),
            timeout=settings.timeout,
        )
