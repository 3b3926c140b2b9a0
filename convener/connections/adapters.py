"""What Convener's Django side needs to know of each provider that uses accounts: its
settings (endpoints, OAuth app), how an organization credential becomes a token, and
which connection kinds act without a signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from convener.connections.models import Connection
from convener.providers.oauth import OAuthApp, TokenSet

Kind = Connection.Kind


@dataclass(frozen=True)
class OrgField:
    name: str
    label: str
    secret: bool = False
    help: str = ""
    upload: bool = False  # a file (the Google service-account key)


@dataclass(frozen=True)
class Adapter:
    slug: str
    name: str
    settings_prefix: str  # CONVENER_<PREFIX>_CLIENT_ID ...
    api_url: Callable[[], str]
    oauth_app: Callable[[], OAuthApp]
    org_kind: str
    org_fields: tuple[OrgField, ...]
    org_token: Callable[[dict[str, Any], str | None], TokenSet]
    org_help: str = ""
    app_only_kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def configured(self) -> bool:
        return self.oauth_app().configured


def _google_app() -> OAuthApp:
    from convener.providers.google_meet.auth import oauth_app

    return oauth_app(
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        authorize_url=settings.GOOGLE_AUTH_URI,
        token_url=settings.GOOGLE_TOKEN_URI,
    )


def _google_org_token(secrets: dict[str, Any], host_email: str | None) -> TokenSet:
    from convener.providers.google_meet.auth import service_account_token

    if not host_email:
        from convener.providers.base import CapabilityMissing

        raise CapabilityMissing(
            "a Google service account makes meetings as a user of the domain: the meeting "
            "needs a host with an email address"
        )
    return service_account_token(
        secrets["service_account"], subject=host_email, token_url=settings.GOOGLE_TOKEN_URI
    )


def _microsoft_app() -> OAuthApp:
    from convener.providers.microsoft_teams.auth import oauth_app

    return oauth_app(
        client_id=settings.MICROSOFT_CLIENT_ID,
        client_secret=settings.MICROSOFT_CLIENT_SECRET,
        login_url=settings.MICROSOFT_LOGIN_URL,
        tenant=settings.MICROSOFT_TENANT,
    )


def _microsoft_org_token(secrets: dict[str, Any], host_email: str | None) -> TokenSet:
    from convener.providers.microsoft_teams.auth import app_token

    return app_token(
        login_url=settings.MICROSOFT_LOGIN_URL,
        tenant_id=secrets["tenant_id"],
        client_id=secrets["client_id"],
        client_secret=secrets["client_secret"],
    )


def _zoom_app() -> OAuthApp:
    from convener.providers.zoom.auth import authorize_endpoint, oauth_app, token_endpoint

    return oauth_app(
        client_id=settings.ZOOM_CLIENT_ID,
        client_secret=settings.ZOOM_CLIENT_SECRET,
        authorize_url=authorize_endpoint(settings.ZOOM_OAUTH_URL),
        token_url=token_endpoint(settings.ZOOM_OAUTH_URL),
    )


def _zoom_org_token(secrets: dict[str, Any], host_email: str | None) -> TokenSet:
    from convener.providers.zoom.auth import server_to_server_token

    return server_to_server_token(
        oauth_url=settings.ZOOM_OAUTH_URL,
        account_id=secrets["account_id"],
        client_id=secrets["client_id"],
        client_secret=secrets["client_secret"],
    )


ADAPTERS: dict[str, Adapter] = {
    "google_meet": Adapter(
        slug="google_meet",
        name="Google Meet",
        settings_prefix="GOOGLE",
        api_url=lambda: settings.GOOGLE_API_URL,
        oauth_app=_google_app,
        org_kind=Kind.SERVICE_ACCOUNT,
        org_fields=(
            OrgField("service_account", "Service account key (JSON)", secret=True, upload=True),
            OrgField("test_user", "A user of your domain to check the delegation with"),
        ),
        org_token=_google_org_token,
        org_help="A service account with domain-wide delegation for the Calendar scopes; "
        "meetings are made as each host user.",
    ),
    "microsoft_teams": Adapter(
        slug="microsoft_teams",
        name="Microsoft Teams",
        settings_prefix="MICROSOFT",
        api_url=lambda: settings.MICROSOFT_GRAPH_URL,
        oauth_app=_microsoft_app,
        org_kind=Kind.CLIENT_CREDENTIALS,
        org_fields=(
            OrgField("tenant_id", "Directory (tenant) ID"),
            OrgField("client_id", "Application (client) ID"),
            OrgField("client_secret", "Client secret", secret=True),
            OrgField("test_user", "A user to check the Teams access policy with"),
        ),
        org_token=_microsoft_org_token,
        org_help="An app registration with the Calendars.ReadWrite application permission "
        "and a Teams application access policy.",
        app_only_kinds=frozenset({Kind.CLIENT_CREDENTIALS}),
    ),
    "zoom": Adapter(
        slug="zoom",
        name="Zoom",
        settings_prefix="ZOOM",
        api_url=lambda: settings.ZOOM_API_URL,
        oauth_app=_zoom_app,
        org_kind=Kind.SERVER_TO_SERVER,
        org_fields=(
            OrgField("account_id", "Account ID"),
            OrgField("client_id", "Client ID"),
            OrgField("client_secret", "Client secret", secret=True),
            OrgField("test_user", "A user's email to check hosting with"),
        ),
        org_token=_zoom_org_token,
        org_help="A Server-to-Server OAuth app with the meeting:write:admin, "
        "meeting:read:admin and user:read:admin scopes.",
        app_only_kinds=frozenset({Kind.SERVER_TO_SERVER}),
    ),
}
