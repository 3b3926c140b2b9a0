"""The fake Google, driven by Google's own Python clients: it must speak the real shapes.

google-api-python-client builds the Calendar v3 client from the discovery document that
ships with it (static_discovery, no network) and google-auth signs service-account JWTs
and refreshes user tokens exactly as it does against Google. Every request is checked to
go to the fake on 127.0.0.1 and nowhere else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import google_auth_httplib2
import googleapiclient
import httplib2
import httpx2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from convener.providers import oauth
from convener.providers.google_meet import auth
from fakeproviders.google import FakeGoogle
from fakeproviders.harness import FakeServer

WEB = httpx2.Client(timeout=10.0)
SCOPES = list(auth.SCOPES)
DISCOVERY = json.loads(
    (
        Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json"
    ).read_text()
)
MEET_REQUEST = {
    "createRequest": {"requestId": "req-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeGoogle()) as running:
        yield running


@pytest.fixture
def fake(server: FakeServer) -> FakeServer:
    WEB.post(f"{server.url}/_fake/reset")
    return server


class LoopbackOnly(httplib2.Http):  # type: ignore[misc]
    """httplib2 that refuses to leave the machine: the test fails instead."""

    def __init__(self, allowed: str) -> None:
        super().__init__(timeout=10)
        self.allowed = allowed

    def request(self, uri: str, *args: Any, **kwargs: Any) -> Any:
        assert uri.startswith(self.allowed), f"a request left the fake: {uri}"
        return super().request(uri, *args, **kwargs)


def calendar_service(server: FakeServer, credentials: Any) -> Any:
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=LoopbackOnly(server.url))
    return build(
        "calendar",
        "v3",
        http=http,
        client_options={"api_endpoint": f"{server.url}/calendar/v3/"},
        static_discovery=True,
        cache_discovery=False,
    )


def user_service(server: FakeServer, email: str = "alice@example.com") -> Any:
    token = WEB.post(f"{server.url}/_fake/tokens", json={"email": email}).json()["access_token"]
    return calendar_service(server, user_credentials.Credentials(token))  # type: ignore[no-untyped-call]


def event_body(event_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "summary": "Quarterly review",
        "start": {"dateTime": "2030-05-06T10:00:00+02:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2030-05-06T11:00:00+02:00", "timeZone": "Europe/Paris"},
        "attendees": [{"email": "bob@example.org"}],
        "extendedProperties": {"private": {"convenerKey": event_id}},
        **extra,
    }


def assert_shape(value: Any, schema: dict[str, Any], where: str) -> None:
    """Every field the fake sends exists in Google's published schema, recursively."""
    if "$ref" in schema:
        schema = DISCOVERY["schemas"][schema["$ref"]]
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for name, inner in value.items():
            if properties is not None and name in properties:
                assert_shape(inner, properties[name], f"{where}.{name}")
            elif extra is not None:
                assert_shape(inner, extra, f"{where}[{name}]")
            else:
                raise AssertionError(f"{where}.{name} is not in Google's schema")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_shape(item, schema.get("items", {}), f"{where}[{index}]")


def test_insert_get_patch_and_delete_through_the_official_client(fake: FakeServer) -> None:
    events = user_service(fake).events()
    event_id = "officialclient0001"

    inserted = events.insert(
        calendarId="primary",
        body=event_body(event_id, conferenceData=MEET_REQUEST),
        conferenceDataVersion=1,
        sendUpdates="none",
    ).execute()
    fetched = events.get(calendarId="primary", eventId=event_id).execute()
    patched = events.patch(
        calendarId="primary",
        eventId=event_id,
        body={"summary": "Quarterly review (moved)"},
        conferenceDataVersion=1,
        sendUpdates="none",
    ).execute()
    deleted = events.delete(calendarId="primary", eventId=event_id, sendUpdates="none").execute()
    lingering = events.get(calendarId="primary", eventId=event_id).execute()

    link = inserted["hangoutLink"]
    assert re.fullmatch(r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}", link)
    video = [p for p in inserted["conferenceData"]["entryPoints"] if p["entryPointType"] == "video"]
    assert video == [
        {"entryPointType": "video", "uri": link, "label": link.removeprefix("https://")}
    ]
    assert inserted["conferenceData"]["createRequest"]["status"] == {"statusCode": "success"}
    assert fetched["hangoutLink"] == patched["hangoutLink"] == link
    assert patched["summary"] == "Quarterly review (moved)"
    assert deleted == ""  # 204, no body
    assert lingering["status"] == "cancelled"
    for resource in (inserted, fetched, patched, lingering):
        assert_shape(resource, {"$ref": "Event"}, "Event")
    with pytest.raises(HttpError) as again:
        events.delete(calendarId="primary", eventId=event_id).execute()
    assert again.value.resp.status == 410
    assert again.value.error_details[0]["reason"] == "deleted"


def test_conference_data_is_silently_ignored_without_version_1(fake: FakeServer) -> None:
    events = user_service(fake).events()
    event_id = "noconferenceversion"

    inserted = events.insert(
        calendarId="primary", body=event_body(event_id, conferenceData=MEET_REQUEST)
    ).execute()
    patched = events.patch(
        calendarId="primary", eventId=event_id, body={"conferenceData": MEET_REQUEST}
    ).execute()
    fixed = events.patch(
        calendarId="primary",
        eventId=event_id,
        body={"conferenceData": MEET_REQUEST},
        conferenceDataVersion=1,
    ).execute()

    assert "hangoutLink" not in inserted and "conferenceData" not in inserted
    assert "hangoutLink" not in patched and "conferenceData" not in patched
    assert fixed["hangoutLink"].startswith("https://meet.google.com/")


def test_a_repeated_event_id_is_a_409_duplicate(fake: FakeServer) -> None:
    events = user_service(fake).events()
    body = event_body("duplicateid0001", conferenceData=MEET_REQUEST)
    events.insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()

    with pytest.raises(HttpError) as duplicate:
        events.insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()

    assert duplicate.value.resp.status == 409
    assert duplicate.value.error_details[0]["reason"] == "duplicate"


def test_a_pending_conference_has_no_link_until_it_is_read_again(fake: FakeServer) -> None:
    WEB.post(f"{fake.url}/_fake/config", json={"pending_reads": 1})
    events = user_service(fake).events()
    body = event_body("pendingconference1", conferenceData=MEET_REQUEST)

    inserted = events.insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()
    first = events.get(calendarId="primary", eventId="pendingconference1").execute()
    second = events.get(calendarId="primary", eventId="pendingconference1").execute()

    for pending in (inserted, first):
        assert pending["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"
        assert "hangoutLink" not in pending and "entryPoints" not in pending["conferenceData"]
    assert second["conferenceData"]["createRequest"]["status"]["statusCode"] == "success"
    assert second["hangoutLink"].startswith("https://meet.google.com/")


def test_a_refused_patch_changes_nothing(fake: FakeServer) -> None:
    events = user_service(fake).events()
    events.insert(calendarId="primary", body=event_body("atomicpatch0001")).execute()

    with pytest.raises(HttpError) as refused:
        events.patch(
            calendarId="primary",
            eventId="atomicpatch0001",
            body={"summary": "Renamed", "conferenceData": {"createRequest": {"requestId": "r"}}},
            conferenceDataVersion=1,
        ).execute()

    assert refused.value.resp.status == 400
    assert events.get(calendarId="primary", eventId="atomicpatch0001").execute()["summary"] == (
        "Quarterly review"
    )


def test_free_busy_through_the_official_client(fake: FakeServer) -> None:
    service = user_service(fake)
    service.events().insert(
        calendarId="primary", body=event_body("busevent00001"), conferenceDataVersion=1
    ).execute()

    answer = (
        service.freebusy()
        .query(
            body={
                "timeMin": "2030-05-06T00:00:00Z",
                "timeMax": "2030-05-07T00:00:00Z",
                "items": [{"id": "primary"}, {"id": "nobody@example.net"}],
            }
        )
        .execute()
    )

    assert_shape(answer, {"$ref": "FreeBusyResponse"}, "FreeBusyResponse")
    assert answer["calendars"]["primary"] == {
        "busy": [{"start": "2030-05-06T08:00:00.000Z", "end": "2030-05-06T09:00:00.000Z"}]
    }
    assert answer["calendars"]["nobody@example.net"]["errors"] == [
        {"domain": "global", "reason": "notFound"}
    ]
    with pytest.raises(HttpError) as empty:
        service.freebusy().query(
            body={"timeMin": "2030-05-07T00:00:00Z", "timeMax": "2030-05-06T00:00:00Z"}
        ).execute()
    assert empty.value.resp.status == 400
    assert empty.value.error_details[0]["reason"] == "timeRangeEmpty"


def test_calendar_and_event_list_answers_have_googles_shapes(fake: FakeServer) -> None:
    service = user_service(fake, "henry@example.com")

    calendar = service.calendars().get(calendarId="primary").execute()
    listing = service.events().list(calendarId="primary", maxResults=1).execute()

    assert calendar["id"] == "henry@example.com"
    assert calendar["conferenceProperties"] == {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}
    assert_shape(calendar, {"$ref": "Calendar"}, "Calendar")
    assert_shape(listing, {"$ref": "Events"}, "Events")


@pytest.mark.parametrize("status", [403, 429])
def test_rate_limits_reach_the_official_client_in_both_shapes(
    fake: FakeServer, status: int
) -> None:
    WEB.post(f"{fake.url}/_fake/inject", json={"reason": "rateLimitExceeded", "status": status})

    with pytest.raises(HttpError) as limited:
        user_service(fake).events().get(calendarId="primary", eventId="whatever1").execute()

    assert limited.value.resp.status == status
    assert limited.value.error_details[0]["domain"] == "usageLimits"
    assert limited.value.error_details[0]["reason"] == "rateLimitExceeded"


# -- google-auth against the fake's token endpoint ------------------------------------------
@pytest.fixture(scope="module")
def key_pair() -> tuple[dict[str, str], str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    info = {
        "type": "service_account",
        "project_id": "example-project",
        "private_key_id": "abcdef0123456789",
        "private_key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "client_email": "meet-maker@example-project.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
    }
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return info, public


def service_account_service(
    server: FakeServer, key_pair: tuple[dict[str, str], str], subject: str | None
) -> Any:
    info, public = key_pair
    WEB.post(
        f"{server.url}/_fake/service-accounts",
        json={"client_email": info["client_email"], "public_key_pem": public, "delegated": True},
    )
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        {**info, "token_uri": f"{server.url}/token"}, scopes=SCOPES, subject=subject
    )
    return calendar_service(server, credentials)


def test_google_auths_delegated_service_account_makes_a_meet_link(
    fake: FakeServer, key_pair: tuple[dict[str, str], str]
) -> None:
    service = service_account_service(fake, key_pair, "ivy@example.com")

    inserted = (
        service.events()
        .insert(
            calendarId="primary",
            body=event_body("serviceaccount001", conferenceData=MEET_REQUEST),
            conferenceDataVersion=1,
        )
        .execute()
    )

    assert inserted["organizer"]["email"] == "ivy@example.com"
    assert inserted["hangoutLink"].startswith("https://meet.google.com/")


def test_google_auths_service_account_without_subject_cannot_make_meet(
    fake: FakeServer, key_pair: tuple[dict[str, str], str]
) -> None:
    service = service_account_service(fake, key_pair, None)

    with pytest.raises(HttpError) as refused:
        service.events().insert(
            calendarId="primary",
            body=event_body("serviceaccount002", conferenceData=MEET_REQUEST),
            conferenceDataVersion=1,
        ).execute()

    assert refused.value.resp.status == 400
    assert refused.value.reason == "Invalid conference type value."


def test_google_auth_refreshes_a_user_token_from_the_fakes_consent_flow(fake: FakeServer) -> None:
    app = auth.oauth_app(
        client_id="fake-google-client-id",
        client_secret="fake-google-client-secret",
        authorize_url=f"{fake.url}/o/oauth2/v2/auth",
        token_url=f"{fake.url}/token",
    )
    redirect_uri, verifier = "http://127.0.0.1:9/callback", oauth.new_code_verifier()
    page = WEB.get(
        oauth.authorization_url(app, redirect_uri=redirect_uri, state="st", code_verifier=verifier)
    )
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.text)
    assert consent_id, page.text
    answer = WEB.post(
        f"{fake.url}/o/oauth2/v2/auth",
        data={"consent_id": consent_id.group(1), "email": "jo@example.com", "action": "allow"},
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    tokens = oauth.exchange_code(app, code=code, redirect_uri=redirect_uri, code_verifier=verifier)
    credentials = user_credentials.Credentials(  # type: ignore[no-untyped-call]
        None,
        refresh_token=tokens.refresh_token,
        token_uri=f"{fake.url}/token",
        client_id=app.client_id,
        client_secret=app.client_secret,
        scopes=SCOPES,
    )

    credentials.refresh(google_auth_httplib2.Request(LoopbackOnly(fake.url)))  # type: ignore[no-untyped-call]
    calendar = calendar_service(fake, credentials).calendars().get(calendarId="primary").execute()

    assert credentials.token and credentials.token != tokens.access_token
    assert credentials.refresh_token == tokens.refresh_token  # not rotated
    assert calendar["id"] == "jo@example.com"
