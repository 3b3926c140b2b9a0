"""A provider's recipe: everything Convener needs to offer a provider, beyond its meetings.

The registry names one recipe per provider, and the recipe lives in the provider's own
package. It says what the provider is called and what it can do (from its Provider
class), how a person connects their account (an OAuth app), how an administrator
connects the organization (the credential fields and the grant that turns them into
tokens), what a freshly connected account lacks (identify), and how the Provider object
that serves one meeting is built. The web pages, the connections and the pipeline drive
every recipe alike and never branch on a provider's slug.

Like the providers, recipes know nothing of Django: what they read of Convener's
configuration comes in a `ProviderSettings`, handed in by convener.connections.

Hooks and when they are called::

    oauth_app(settings)            Connections page, "Connect my account", the callback,
                                   and every refresh of a signed-in account's token
    organization_token(...)        "Organization credentials" (checking them), and each
                                   renewal of an organization account's token
    identify(http, ...)            right after an account is connected
    api_url(settings)              each time a Provider is built for a connected account
    build(account, settings)       each provider step of the pipeline (create, update, ...)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import httpx2

from convener.providers.base import AccountIdentity, Capabilities, CapabilityMissing, Provider
from convener.providers.oauth import OAuthApp, TokenSet


class ProviderSettings(Protocol):
    """Convener's configuration as a recipe sees it."""

    @property
    def timeout(self) -> float:
        """Seconds one call to the provider may take, token calls included."""

    def value(self, name: str, default: str = "") -> str:
        """The setting `name` ("ZOOM_API_URL"): Convener's own setting of that name when it
        has one, else the environment variable CONVENER_<name> (or the file named by
        CONVENER_<name>_FILE), else `default`. So a new provider's settings need no line
        in Convener's settings module."""

    def installation_key(self, purpose: str) -> str:
        """A secret of this installation for `purpose`: the same in every process and
        after every restart, different for every purpose, never the secret key itself."""


@dataclass(frozen=True)
class CredentialField:
    """One input of the organization-credentials form.

    `kind` decides the input: "text" (one line), "secret" (a password input that is
    never shown again), or "file" (an upload, read by `read_file`).
    """

    name: str
    label: str
    kind: Literal["text", "secret", "file"] = "text"
    help: str = ""
    # For "file": the uploaded bytes to the value stored (e.g. a parsed key file). Raises
    # ValueError with a message for people when the file is not what is asked for.
    read_file: Callable[[bytes], Any] | None = None


@dataclass(frozen=True)
class OrganizationGrant:
    """How an administrator connects the whole organization without signing in: a form
    of credentials that `ProviderRecipe.organization_token` turns into access tokens.

    The form always ends with the address of a member to check the credentials with
    (`check_user_label`); `identify` is called for that member before anything is saved.
    """

    kind: str  # stored as the connection's kind; never "oauth" (a signed-in account)
    label: str  # what the Connections page calls this kind ("Zoom Server-to-Server")
    help: str  # the paragraph above the form: what to create at the provider, and how
    fields: tuple[CredentialField, ...]
    check_user_label: str
    # Acts on named users (/users/{email}) rather than as one signed-in person.
    app_only: bool = True
    # Tokens are minted per host user (a Google service account's subject) rather than
    # one for the whole organization.
    token_per_host: bool = False
    # A meeting whose host has no user at the account is made for a default host the
    # administrator names (ConnectedAccount.default_host); its settings page asks for it.
    default_host: bool = False


@dataclass(frozen=True)
class ConnectedAccount:
    """What `build` gets for a provider that acts through a connected account: a client
    that already carries the API base URL, the timeout, the shared pool and the account's
    bearer tokens (refreshed once on a 401), and whether the account is app-only."""

    http: httpx2.Client
    app_only: bool = False
    # The user an app-only account makes a meeting for when the meeting's own host has no
    # user at the account ("" when none is set); for grants with `default_host`.
    default_host: str = ""


class ProviderRecipe:
    """The recipe of one provider. Subclass it in `convener/providers/<slug>/recipe.py`,
    set `provider` (and what applies of `summary`, `settings_prefix`, `organization`,
    `api_url_setting`), override the hooks that apply, and add one line to the registry.
    A hook may be the provider's own function (`identify = staticmethod(auth.identify)`)."""

    provider: ClassVar[type[Provider]]
    # One line for people on the Connections page under the provider's name.
    summary: ClassVar[str] = ""
    # CONVENER_<prefix>_CLIENT_ID and _CLIENT_SECRET configure the OAuth app; named on
    # the Connections page while they are missing.
    settings_prefix: ClassVar[str] = ""
    # The organization-credentials form and grant, for providers that have one.
    organization: ClassVar[OrganizationGrant | None] = None
    # The setting that holds the base URL of the provider's API ("ZOOM_API_URL"), for
    # providers that act through connected accounts.
    api_url_setting: ClassVar[str] = ""

    @property
    def slug(self) -> str:
        """The provider's key: in the registry, in URLs, on every connection and meeting."""
        return self.provider.slug

    @property
    def name(self) -> str:
        """The display name, everywhere people see the provider."""
        return self.provider.name

    @property
    def capabilities(self) -> Capabilities:
        """What the provider can do; `needs_connection` decides whether it has accounts."""
        return self.provider.capabilities

    def oauth_app(self, settings: ProviderSettings) -> OAuthApp | None:
        """The OAuth app a person signs in through to connect their own account, or None
        when the provider has no sign-in.

        Called to draw the Connections page, to start and finish a sign-in, and before
        every refresh of a signed-in account's token, so it reads the settings afresh
        each time. An app whose client id or secret is empty counts as not configured.
        Must not call the provider.
        """
        return None

    def organization_token(
        self, credentials: Mapping[str, Any], *, host_email: str | None, settings: ProviderSettings
    ) -> TokenSet:
        """An access token from the organization credentials: `credentials` holds the
        fields of `organization` as the form cleaned them (the check user aside), and
        when renewing, also what Convener stored next to them (earlier tokens).

        Called when an administrator saves the credentials (with the check user as
        `host_email`) and whenever the stored token must be renewed; with
        `organization.token_per_host`, once per host user (`host_email`). Goes through
        convener.providers.oauth or convener.providers.http with `settings.timeout`.
        Raises ProviderError (AuthenticationError when the credentials are refused);
        its message must never contain the credentials.
        """
        raise CapabilityMissing(f"{self.name} has no organization credentials")

    def identify(
        self, http: httpx2.Client, *, app_only: bool, host_email: str | None
    ) -> AccountIdentity:
        """Who a freshly connected account is, and in `problems` what it lacks to make
        meetings (the capability pre-check), in words for people.

        Called once after a sign-in (app_only false, no host_email) and once when
        organization credentials are saved (`host_email` is the check user). `http`
        carries the new token. Must not change anything at the provider.
        """
        raise CapabilityMissing(f"{self.name} does not connect accounts")

    def api_url(self, settings: ProviderSettings) -> str:
        """The base URL of the provider's API, for the client `build` and `identify` get:
        by default the setting `api_url_setting` names, whose default is the real service.
        Must not call the provider."""
        if not self.api_url_setting:
            raise CapabilityMissing(f"{self.name} has no API to call")
        return settings.value(self.api_url_setting)

    def build(self, account: ConnectedAccount | None, settings: ProviderSettings) -> Provider:
        """The Provider object that serves one provider step of one meeting.

        `account` is None only for a provider that needs no connection
        (`capabilities.needs_connection` false). The default passes the account's client
        on, as `Provider(http=..., app_only=...)`. Called for every step, in a worker:
        keep it cheap, and never call the provider here.
        """
        if account is None:
            raise CapabilityMissing(f"{self.name} needs a connected account")
        factory: Any = self.provider  # Provider itself declares no constructor
        built: Provider = factory(http=account.http, app_only=account.app_only)
        return built
