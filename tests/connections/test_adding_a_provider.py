"""Adding a provider is one package and one registry line: a provider that exists only in
this module, registered only for these tests, shows on the Connections page, connects
with organization credentials, is offered in the schedule popup, is accepted by the API,
and gets its meetings' links from the worker. No other file knows it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx2
import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.providers.base import (
    AccountIdentity,
    Capabilities,
    MeetingInfo,
    MeetingSpec,
    Provider,
)
from convener.providers.failures import HttpFailure
from convener.providers.oauth import TokenSet
from convener.providers.recipe import (
    CredentialField,
    OrganizationGrant,
    ProviderRecipe,
    ProviderSettings,
)
from convener.providers.registry import PROVIDERS
from tests.conftest import Inbox
from tests.loopback import LoopbackHandler, LoopbackServer, serving

API_KEY = "acme-key-0123456789"


# -- the provider's package, as it would be written in convener/providers/acme/ ---------
class AcmeFailure(HttpFailure):
    service = "Acme Video"


class AcmeProvider(Provider):
    slug = "acme"
    name = "Acme Video"
    capabilities = Capabilities(idempotent_create=True)

    def __init__(self, *, http: httpx2.Client, app_only: bool = False) -> None:
        self.http = http

    def _room(self, method: str, spec: MeetingSpec, action: str) -> MeetingInfo:
        response = self.http.request(method, f"/v1/rooms/{spec.key}", json={"title": spec.title})
        if response.status_code != 200:
            raise AcmeFailure(response, action=action).error()
        room = response.json()
        return MeetingInfo(meeting_id=room["id"], join_url=room["url"])

    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        return self._room("PUT", spec, "create the meeting")  # PUT by key: idempotent

    def update(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        return self._room("PUT", spec, "update the meeting")

    def cancel(self, meeting_id: str) -> None:
        self.http.delete(f"/v1/rooms/{meeting_id}")


class AcmeRecipe(ProviderRecipe):
    provider = AcmeProvider
    summary = "Video rooms from Acme, connected with an organization API key."
    api_url_setting = "ACME_API_URL"  # CONVENER_ACME_API_URL
    organization = OrganizationGrant(
        kind="api_key",
        label="Acme API key",
        help="An API key from Acme's admin console.",
        fields=(CredentialField("api_key", "API key", kind="secret"),),
        check_user_label="A member's email to check the key with",
    )

    def organization_token(
        self, credentials: Mapping[str, Any], *, host_email: str | None, settings: ProviderSettings
    ) -> TokenSet:
        # Acme's API keys are bearer tokens themselves and do not expire.
        return TokenSet(access_token=str(credentials["api_key"]), expires_at=4102444800.0)

    def identify(
        self, http: httpx2.Client, *, app_only: bool, host_email: str | None
    ) -> AccountIdentity:
        response = http.get(f"/v1/users/{host_email}")
        if response.status_code != 200:
            raise AcmeFailure(response, action="read the user").error()
        user = response.json()
        return AccountIdentity(external_id=user["id"], email=user["email"])


# -- Acme's API, on loopback ---------------------------------------------------------------
class AcmeApi(LoopbackServer):
    """Answers the calls the provider makes, for requests that carry the key."""

    def __init__(self) -> None:
        self.rooms: dict[str, str] = {}
        api = self

        class Handler(LoopbackHandler):
            def _authorized(self) -> bool:
                self.read_body()
                if self.headers.get("Authorization") == f"Bearer {API_KEY}":
                    return True
                self.answer_json(401, {"error": "bad key"})
                return False

            def do_GET(self) -> None:
                if self._authorized():
                    email = self.path.rsplit("/", 1)[1]
                    self.answer_json(200, {"id": "acme-org-1", "email": email})

            def do_PUT(self) -> None:
                if self._authorized():
                    key = self.path.rsplit("/", 1)[1]
                    api.rooms[key] = f"https://video.acme.test/r/{key}"
                    self.answer_json(200, {"id": key, "url": api.rooms[key]})

        super().__init__(Handler)


@pytest.fixture
def acme(monkeypatch: pytest.MonkeyPatch) -> Iterator[AcmeApi]:
    """Acme registered with its one registry line; its API URL from the environment
    only (a new provider's setting needs no line in Convener's settings)."""
    with serving(AcmeApi()) as api:
        monkeypatch.setitem(PROVIDERS, "acme", f"{__name__}:AcmeRecipe")
        monkeypatch.setenv("CONVENER_ACME_API_URL", api.url)
        yield api


@pytest.fixture
def admin(db: Any) -> Any:
    from convener.team.models import User

    return User.objects.create_superuser("root", "root@example.com", "pw-for-root-123")


def save_key(client: Any, api_key: str) -> Any:
    return client.post(
        "/connections/acme/organization/",
        {"api_key": api_key, "test_user": "root@example.com"},
    )


@pytest.mark.django_db
def test_the_connections_page_offers_acme_and_saves_its_organization_key(
    client: Any, admin: Any, acme: AcmeApi
) -> None:
    client.force_login(admin)
    page = client.get("/connections/").content.decode()
    assert 'data-provider="acme"' in page and "Acme Video" in page
    assert AcmeRecipe.summary in page
    assert "/connections/acme/organization/" in page

    form = client.get("/connections/acme/organization/").content.decode()
    assert "Acme Video: organization credentials" in form
    assert "An API key from Acme&#x27;s admin console." in form
    assert "A member&#x27;s email to check the key with" in form

    refused = save_key(client, "not-the-key").content.decode()
    assert "Acme Video refused the account&#x27;s credentials" in refused
    assert not Connection.objects.exists()

    assert save_key(client, API_KEY).status_code == 302
    connection = Connection.objects.get()
    assert (connection.provider, connection.kind, connection.level) == (
        "acme",
        "api_key",
        "organization",
    )
    assert connection.secrets["api_key"] == API_KEY
    listed = client.get("/connections/").content.decode()
    row = listed.split(f'data-connection="{connection.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "root@example.com" in row and "Organization" in row and "Acme API key" in row
    assert API_KEY not in listed


@pytest.mark.django_db
def test_the_schedule_popup_offers_acme_once_an_account_can_host(
    client: Any, admin: Any, contact: Contact, acme: AcmeApi
) -> None:
    client.force_login(admin)
    popup = f"/contacts/{contact.pk}/schedule/"
    html = client.get(popup, headers={"HX-Request": "true"}).content.decode()
    assert '<option value="acme">Acme Video</option>' in html
    assert "no Acme Video account can host this meeting" in html

    save_key(client, API_KEY)
    html = client.get(popup, headers={"HX-Request": "true"}).content.decode()
    assert 'data-provider-warning="acme"' not in html


@pytest.mark.django_db
def test_an_api_action_on_acme_gets_its_link_when_the_worker_runs(
    client: Any,
    admin: Any,
    contact: Contact,
    api_token: str,
    acme: AcmeApi,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(admin)
    save_key(client, API_KEY)
    headers = {"Authorization": f"Bearer {api_token}"}
    action = client.post(
        "/api/v1/actions",
        {"name": "Acme demo", "provider": "acme", "credentials": "organization"},
        content_type="application/json",
        headers=headers,
    )
    assert action.status_code == 201, action.content
    assert action.json()["provider"] == "acme"
    with django_capture_on_commit_callbacks(execute=True):
        launched = client.post(
            f"/api/v1/actions/{action.json()['id']}/schedule",
            {"contact_ids": [contact.pk]},
            content_type="application/json",
            headers=headers,
        )
    assert launched.json()["created"] == 1, launched.content

    worker()
    meeting = Meeting.objects.get()
    assert meeting.state == "invited", meeting.state_reason
    assert list(acme.rooms.values()) == [meeting.join_url]
    assert meeting.join_url.startswith("https://video.acme.test/r/")
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Acme Video" in page and meeting.join_url in page
