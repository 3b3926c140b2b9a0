"""Google Meet through Google Calendar v3, against the fake Google over real HTTP."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from convener.providers import oauth
from convener.providers.base import (
    AuthenticationError,
    CapabilityMissing,
    MeetingGone,
    MeetingInfo,
    MeetingSpec,
    Person,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)
from convener.providers.google_meet import auth, events
from convener.providers.google_meet.provider import GoogleMeetProvider
from convener.providers.http import BearerAuth, make_client
from convener.providers.registry import provider_class
from fakeproviders.google import FakeGoogle
from fakeproviders.harness import FakeServer

REDIRECT_URI = "http://127.0.0.1:9/connections/google/callback"
START = datetime(2030, 3, 1, 15, 0, tzinfo=UTC)


# -- fixtures and helpers ---------------------------------------------------------------
# One client for the tests' own calls (a new client per call costs an SSL context).
WEB = httpx2.Client(timeout=10.0)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeGoogle()) as running:
        yield running


@pytest.fixture
def fake(server: FakeServer) -> FakeServer:
    """The module's fake Google, forgetting everything the previous test did."""
    control(server, "reset")
    return server


def control(server: FakeServer, action: str, payload: dict[str, Any] | None = None) -> Any:
    response = WEB.post(f"{server.url}/_fake/{action}", json=payload or {})
    assert response.status_code == 200, response.text
    return response.json()


def state(server: FakeServer) -> Any:
    return WEB.get(f"{server.url}/_fake/state").json()


def calls(server: FakeServer) -> Any:
    return WEB.get(f"{server.url}/_fake/calls").json()


def remote_events(server: FakeServer, email: str = "alice@example.com") -> list[dict[str, Any]]:
    held: list[dict[str, Any]] = state(server)["accounts"].get(email, {}).get("events", [])
    return held


def new_key() -> str:
    return base64.b32hexencode(uuid.uuid4().bytes).decode().lower().rstrip("=")


def make_spec(**changes: Any) -> MeetingSpec:
    spec = MeetingSpec(
        key=new_key(),
        title="Onboarding call",
        start=START,
        end=START + timedelta(minutes=45),
        timezone="Europe/Berlin",
        description="Agenda: setup",
        attendees=(Person("bob@example.org", "Bob"),),
    )
    return replace(spec, **changes)


class StaticTokens:
    """A token source with a fixed token; counts refresh requests."""

    def __init__(self, access_token: str, *, after_refresh: str | None = None) -> None:
        self.access_token = access_token
        self.after_refresh = after_refresh or access_token
        self.refreshes = 0

    def token(self) -> str:
        return self.access_token

    def refresh(self, rejected: str) -> str:
        self.refreshes += 1
        self.access_token = self.after_refresh
        return self.access_token


class OAuthTokens:
    """The smallest real AccessTokenSource: refreshes through the fake's token endpoint."""

    def __init__(self, app: oauth.OAuthApp, tokens: oauth.TokenSet) -> None:
        self.app, self.tokens, self.refreshes = app, tokens, 0

    def token(self) -> str:
        return self.tokens.access_token

    def refresh(self, rejected: str) -> str:
        self.refreshes += 1
        assert self.tokens.refresh_token
        self.tokens = oauth.refresh(self.app, self.tokens.refresh_token)
        return self.tokens.access_token


def app_for(server: FakeServer, **changes: Any) -> oauth.OAuthApp:
    app = auth.oauth_app(
        client_id="fake-google-client-id",
        client_secret="fake-google-client-secret",
        authorize_url=f"{server.url}/o/oauth2/v2/auth",
        token_url=f"{server.url}/token",
    )
    return replace(app, **changes)


def user_token(server: FakeServer, email: str = "alice@example.com", scopes: Any = None) -> str:
    payload: dict[str, Any] = {"email": email}
    if scopes is not None:
        payload["scopes"] = list(scopes)
    return str(control(server, "tokens", payload)["access_token"])


def client_for(server: FakeServer, source: Any) -> httpx2.Client:
    return make_client(server.url, timeout=5.0, auth=BearerAuth(source))


def provider_for(server: FakeServer, source: Any = None, **kwargs: Any) -> GoogleMeetProvider:
    source = source or StaticTokens(user_token(server))
    return GoogleMeetProvider(http=client_for(server, source), **kwargs)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class ConsentPage(HTMLParser):
    """Reads the consent form the way a browser would submit it."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.action, self._in_title = "", "", False
        self.fields: list[dict[str, str | None]] = []
        self.buttons: list[str] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "title":
            self._in_title = True
        elif tag == "form":
            self.action = values.get("action") or ""
        elif tag == "input":
            self.fields.append(values)
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        self._in_title = self._in_title and tag != "title"
        self._in_button = self._in_button and tag != "button"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._in_button:
            self.buttons.append(data.strip())


def consent(
    server: FakeServer,
    app: oauth.OAuthApp,
    *,
    email: str = "alice@example.com",
    button: str = "allow",
    untick: tuple[str, ...] = (),
) -> tuple[dict[str, list[str]], str, str]:
    """authorization_url -> consent page -> submit: the redirect's query, state, verifier."""
    verifier, state_value = oauth.new_code_verifier(), oauth.new_state()
    url = oauth.authorization_url(
        app, redirect_uri=REDIRECT_URI, state=state_value, code_verifier=verifier
    )
    page = WEB.get(url)
    assert page.status_code == 200, page.text
    form = ConsentPage()
    form.feed(page.text)
    assert "Fake Google" in form.title and "Allow" in form.buttons
    data: dict[str, Any] = {"action": button, "scope": []}
    for field in form.fields:
        name, value = field.get("name") or "", field.get("value") or ""
        if name == "email":
            assert value == "alice@example.com"  # prefilled, like a signed-in browser
            data["email"] = email
        elif field.get("type") == "checkbox":
            if "checked" in field and value not in untick:
                data["scope"].append(value)
        elif name:
            data[name] = value
    answer = WEB.post(server.url + form.action, data=data)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI)
    return parse_qs(urlsplit(location).query), state_value, verifier


def connect(server: FakeServer, app: oauth.OAuthApp, **kwargs: Any) -> oauth.TokenSet:
    query, state_value, verifier = consent(server, app, **kwargs)
    assert query["state"] == [state_value]
    return oauth.exchange_code(
        app, code=query["code"][0], redirect_uri=REDIRECT_URI, code_verifier=verifier
    )


def rsa_key_info(
    client_email: str = "convener@example-project.iam.gserviceaccount.com",
) -> tuple[dict[str, str], str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    info = {
        "type": "service_account",
        "project_id": "example-project",
        "private_key_id": "0123456789abcdef",
        "private_key": private,
        "client_email": client_email,
        "client_id": "109876543210987654321",
        "token_uri": "https://oauth2.googleapis.com/token",  # must NOT be used
    }
    return info, public


@pytest.fixture(scope="module")
def key_pair() -> tuple[dict[str, str], str]:
    return rsa_key_info()


# -- create -------------------------------------------------------------------------------
def test_create_makes_one_event_with_a_meet_link_at_the_planned_time(fake: FakeServer) -> None:
    provider = provider_for(fake)
    spec = make_spec()

    info = provider.create(spec)

    [event] = remote_events(fake)
    assert info.meeting_id == spec.key == event["id"] == event["convener_key"]
    assert info.join_url == event["hangout_link"]
    assert info.join_url.startswith("https://meet.google.com/")
    assert info.conference_id and info.join_url.endswith(info.conference_id)
    assert not info.pending
    assert info.dial_in and "PIN" in info.dial_in[0]
    assert info.extra["ical_uid"] == f"{spec.key}@google.com"
    assert event["request_id"] == spec.key
    # The instant, shown in the zone it was planned in.
    assert event["start"] == {"dateTime": "2030-03-01T16:00:00+01:00", "timeZone": "Europe/Berlin"}
    assert event["end"] == {"dateTime": "2030-03-01T16:45:00+01:00", "timeZone": "Europe/Berlin"}
    assert event["attendees"] == ["bob@example.org"]
    assert event["summary"] == "Onboarding call"


def test_every_write_asks_for_conference_data_and_sends_no_google_invitations(
    fake: FakeServer,
) -> None:
    seen: list[httpx2.Request] = []
    http = client_for(fake, StaticTokens(user_token(fake)))
    http.event_hooks["request"].append(seen.append)
    provider = GoogleMeetProvider(http=http)
    spec = make_spec()

    info = provider.create(spec)
    provider.create(spec, reconcile=True)
    provider.update(
        info.meeting_id,
        replace(
            spec,
            title="Moved",
            start=START + timedelta(days=1),
            end=START + timedelta(days=1, hours=1),
        ),
    )
    provider.cancel(info.meeting_id)

    writes = [r for r in seen if r.method in {"POST", "PATCH", "PUT"}]
    assert {r.method for r in writes} == {"POST", "PATCH"}
    for request in writes:
        assert request.url.params["conferenceDataVersion"] == "1"
        assert request.url.params["sendUpdates"] == "none"
    [delete] = [r for r in seen if r.method == "DELETE"]
    assert delete.url.params["sendUpdates"] == "none"


def test_a_create_retried_after_its_answer_was_lost_finds_the_first_event(
    fake: FakeServer,
) -> None:
    provider = provider_for(fake)
    spec = make_spec()
    control(fake, "faults", {"drop_after_commit_rate": 1.0})

    with pytest.raises(ProviderError) as lost:
        provider.create(spec)
    assert not lost.value.permanent
    control(fake, "faults", {"drop_after_commit_rate": 0.0})
    info = provider.create(spec, reconcile=True)

    [event] = remote_events(fake)
    assert info.join_url == event["hangout_link"] != ""
    assert state(fake)["events_total"] == 1


def test_creating_the_same_key_twice_returns_the_same_meeting(fake: FakeServer) -> None:
    provider = provider_for(fake)
    spec = make_spec()

    first = provider.create(spec)
    second = provider.create(spec)

    assert first.join_url == second.join_url
    assert len(remote_events(fake)) == 1


def test_many_creates_through_errors_and_dropped_answers_make_one_event_per_key(
    fake: FakeServer,
) -> None:
    provider = provider_for(fake)
    control(
        fake,
        "faults",
        {"server_error_rate": 0.2, "drop_after_commit_rate": 0.1, "seed": 20300301},
    )
    specs = [make_spec(title=f"Call {n}") for n in range(200)]
    results: dict[str, MeetingInfo] = {}
    failures = 0

    for spec in specs:
        for attempt in range(60):
            try:
                results[spec.key] = provider.create(spec, reconcile=attempt > 0)
                break
            except ProviderError as exc:
                assert not exc.permanent, exc
                failures += 1

    control(fake, "faults", {"server_error_rate": 0.0, "drop_after_commit_rate": 0.0})
    held = remote_events(fake)
    assert failures > 20  # the faults really happened
    assert sorted(e["id"] for e in held) == sorted(s.key for s in specs)
    links = {e["id"]: e["hangout_link"] for e in held}
    assert all(results[key].join_url == links[key] != "" for key in links)


def test_a_pending_conference_is_read_again_until_the_link_is_there(fake: FakeServer) -> None:
    sleeps = Sleeps()
    provider = provider_for(fake, sleep=sleeps)
    control(fake, "config", {"pending_reads": 1})

    info = provider.create(make_spec())

    assert not info.pending and info.join_url.startswith("https://meet.google.com/")
    assert sleeps == [0.5, 1.0]


def test_a_conference_still_pending_after_three_seconds_is_handed_back_as_pending(
    fake: FakeServer,
) -> None:
    sleeps = Sleeps()
    provider = provider_for(fake, sleep=sleeps)
    control(fake, "config", {"pending_reads": 4})
    spec = make_spec()

    info = provider.create(spec)

    assert info.pending and info.join_url == "" and info.meeting_id == spec.key
    assert sum(sleeps) == pytest.approx(3.0)
    later = provider.refresh_info(info.meeting_id)
    assert not later.pending
    assert later.join_url == remote_events(fake)[0]["hangout_link"] != ""


def test_a_failed_conference_is_transient_and_the_retry_asks_for_a_new_one(
    fake: FakeServer,
) -> None:
    provider = provider_for(fake)
    control(fake, "config", {"conference_failures": 1})
    spec = make_spec()

    with pytest.raises(ProviderError) as failed:
        provider.create(spec)
    assert not failed.value.permanent and failed.value.code == "conferenceFailed"
    info = provider.create(spec, reconcile=True)

    [event] = remote_events(fake)
    assert info.join_url == event["hangout_link"] != ""
    assert event["request_id"] != spec.key  # Google ignores a repeated request id


def test_a_create_for_a_key_whose_event_was_deleted_restores_that_event(
    fake: FakeServer,
) -> None:
    provider = provider_for(fake)
    spec = make_spec()
    first = provider.create(spec)
    provider.cancel(first.meeting_id)

    again = provider.create(spec, reconcile=True)

    [event] = remote_events(fake)
    assert event["status"] == "confirmed"
    assert again.join_url == event["hangout_link"] != ""


def test_a_retried_create_brings_an_event_of_an_older_spec_up_to_date(fake: FakeServer) -> None:
    provider = provider_for(fake)
    spec = make_spec()
    provider.create(spec)
    moved = replace(
        spec, title="Rescheduled", start=START + timedelta(hours=2), end=START + timedelta(hours=3)
    )

    provider.create(moved, reconcile=True)

    [event] = remote_events(fake)
    assert event["summary"] == "Rescheduled"
    assert event["start"]["dateTime"] == "2030-03-01T18:00:00+01:00"
    assert event["sequence"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": datetime(2030, 3, 1, 15, 0)}, "start"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"end": START - timedelta(minutes=5)}, "end"),
    ],
)
def test_bad_input_is_a_permanent_error_naming_the_field_and_calls_nobody(
    fake: FakeServer, change: dict[str, Any], field: str
) -> None:
    provider = provider_for(fake)

    with pytest.raises(ProviderError) as refused:
        provider.create(make_spec(**change))

    assert refused.value.permanent and refused.value.message.startswith(f"{field}:")
    assert calls(fake) == {}


def test_an_organization_credential_without_a_user_cannot_make_meet_links(fake: FakeServer) -> None:
    provider = provider_for(fake, app_only=True)

    with pytest.raises(CapabilityMissing, match="domain-wide delegation"):
        provider.create(make_spec())


# -- update, cancel, refresh_info ---------------------------------------------------------------
def test_update_moves_the_event_and_keeps_its_link(fake: FakeServer) -> None:
    provider = provider_for(fake)
    spec = make_spec()
    info = provider.create(spec)
    moved = replace(
        spec,
        start=START + timedelta(days=2),
        end=START + timedelta(days=2, hours=1),
        timezone="America/New_York",
        attendees=(Person("carol@example.org"),),
    )

    updated = provider.update(info.meeting_id, moved)

    [event] = remote_events(fake)
    assert updated.join_url == info.join_url == event["hangout_link"]
    assert event["start"] == {
        "dateTime": "2030-03-03T10:00:00-05:00",
        "timeZone": "America/New_York",
    }
    assert event["attendees"] == ["carol@example.org"]
    assert event["sequence"] == 1


def test_update_brings_back_a_link_removed_in_the_meantime(fake: FakeServer) -> None:
    token = user_token(fake)
    provider = provider_for(fake, StaticTokens(token))
    spec = make_spec()
    info = provider.create(spec)
    # Someone's client did a full PUT with conferenceDataVersion=1 but no conferenceData.
    body = events.event_body(spec)
    put = WEB.put(
        f"{fake.url}/calendar/v3/calendars/primary/events/{spec.key}",
        params={"conferenceDataVersion": "1"},
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert put.status_code == 200 and "hangoutLink" not in put.json()

    updated = provider.update(info.meeting_id, spec)

    assert updated.join_url == remote_events(fake)[0]["hangout_link"] != ""


def test_update_of_an_event_deleted_in_google_calendar_raises_meeting_gone(
    fake: FakeServer,
) -> None:
    provider = provider_for(fake)
    spec = make_spec()
    provider.create(spec)
    provider.cancel(spec.key)

    with pytest.raises(MeetingGone):
        provider.update(spec.key, spec)
    with pytest.raises(MeetingGone):
        provider.update(new_key(), spec)
    with pytest.raises(MeetingGone):
        provider.refresh_info(spec.key)


def test_cancel_deletes_the_event_and_an_event_already_gone_counts_as_cancelled(
    fake: FakeServer,
) -> None:
    provider = provider_for(fake)
    spec = make_spec()
    provider.create(spec)

    provider.cancel(spec.key)
    provider.cancel(spec.key)  # 410 deleted
    provider.cancel(new_key())  # 404

    [event] = remote_events(fake)
    assert event["status"] == "cancelled" and event["deleted"]
    counted = calls(fake)
    assert counted["DELETE events_delete 204"] == 1
    assert counted["DELETE events_delete 410"] == 1
    assert counted["DELETE events_delete 404"] == 1


def test_a_server_error_on_cancel_is_raised_not_swallowed(fake: FakeServer) -> None:
    provider = provider_for(fake)
    control(fake, "inject", {"reason": "backendError", "method": "DELETE"})

    with pytest.raises(ProviderError) as failed:
        provider.cancel(new_key())

    assert not failed.value.permanent and failed.value.status == 500


# -- free/busy ---------------------------------------------------------------------------------
def test_free_busy_returns_the_busy_times_of_the_calendar(fake: FakeServer) -> None:
    provider = provider_for(fake)
    control(
        fake,
        "accounts",
        {
            "email": "alice@example.com",
            "busy": [{"start": "2030-03-01T09:00:00+00:00", "end": "2030-03-01T10:00:00+00:00"}],
        },
    )
    provider.create(make_spec())  # 15:00-15:45 UTC

    busy = provider.free_busy(
        Person("alice@example.com"), START.replace(hour=9, minute=30), START.replace(hour=18)
    )

    assert [(b.start, b.end) for b in busy] == [
        (START.replace(hour=9, minute=30), START.replace(hour=10)),
        (START, START + timedelta(minutes=45)),
    ]
    assert all(b.start.tzinfo is not None for b in busy)


def test_free_busy_of_a_calendar_google_cannot_read_is_a_transient_error(fake: FakeServer) -> None:
    provider = provider_for(fake, app_only=True)

    with pytest.raises(ProviderError, match="notFound") as failed:
        provider.free_busy(Person("stranger@example.net"), START, START + timedelta(hours=1))

    assert not failed.value.permanent


def test_free_busy_of_an_empty_range_is_empty_without_asking_google(fake: FakeServer) -> None:
    provider = provider_for(fake)

    assert provider.free_busy(None, START, START) == []
    assert calls(fake) == {}


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("injected", "kind", "permanent", "retry_after"),
    [
        ({"reason": "rateLimitExceeded"}, RateLimited, False, None),
        ({"reason": "rateLimitExceeded", "status": 429, "retry_after": 7}, RateLimited, False, 7.0),
        ({"reason": "userRateLimitExceeded"}, RateLimited, False, None),
        ({"reason": "quotaExceeded"}, RateLimited, False, "long"),
        ({"reason": "dailyLimitExceeded"}, QuotaExhausted, False, "midnight"),
        ({"reason": "forbiddenForNonOrganizer"}, ProviderError, True, None),
        ({"reason": "backendError"}, ProviderError, False, None),
        ({"reason": "backendError", "status": 503, "retry_after": 2}, ProviderError, False, 2.0),
        ({"reason": "insufficientPermissions"}, AuthenticationError, True, None),
        ({"reason": "invalidConferenceType"}, CapabilityMissing, True, None),
        ({"reason": "badRequest"}, ProviderError, True, None),
    ],
)
def test_google_errors_map_to_the_right_provider_error(
    fake: FakeServer,
    injected: dict[str, Any],
    kind: type[ProviderError],
    permanent: bool,
    retry_after: Any,
) -> None:
    token = user_token(fake)
    provider = provider_for(fake, StaticTokens(token))
    control(fake, "inject", {**injected, "method": "POST", "path": "/events"})

    with pytest.raises(ProviderError) as raised:
        provider.create(make_spec())

    error = raised.value
    assert type(error) is kind
    assert error.permanent is permanent
    if retry_after == "long":
        assert error.retry_after is not None and error.retry_after >= 60
    elif retry_after == "midnight":
        assert error.retry_after is not None and 0 < error.retry_after <= 25 * 3600
    else:
        assert error.retry_after == retry_after
    assert token not in error.message
    if kind is not CapabilityMissing:  # that one explains instead of quoting Google
        assert injected["reason"] in error.message  # a person can look the reason up


def test_capability_missing_says_a_service_account_needs_a_subject(fake: FakeServer) -> None:
    control(fake, "inject", {"reason": "invalidConferenceType"})

    with pytest.raises(CapabilityMissing, match="domain-wide delegation") as raised:
        provider_for(fake).create(make_spec())

    assert "subject" in raised.value.message


@pytest.mark.parametrize("status", ["403", "429"])
def test_the_fakes_rate_limit_in_either_shape_is_rate_limited(
    fake: FakeServer, status: str
) -> None:
    provider = provider_for(fake)
    control(fake, "config", {"rate_limit_status": status})
    control(fake, "faults", {"rate_limit_per_second": 1})

    provider.free_busy(None, START, START + timedelta(hours=1))
    with pytest.raises(RateLimited) as limited:
        provider.free_busy(None, START, START + timedelta(hours=1))

    assert limited.value.status == int(status)
    assert limited.value.code == "rateLimitExceeded" and limited.value.retry_after is None


def test_an_expired_access_token_is_refreshed_once_and_the_call_retried(fake: FakeServer) -> None:
    app = app_for(fake)
    source = OAuthTokens(app, connect(fake, app))
    provider = provider_for(fake, source)
    control(fake, "expire-access-tokens")

    info = provider.create(make_spec())

    assert info.join_url
    assert source.refreshes == 1
    assert state(fake)["token_grants"] == {"authorization_code": 1, "refresh_token": 1}


def test_a_revoked_refresh_token_raises_authentication_error(fake: FakeServer) -> None:
    app = app_for(fake)
    provider = provider_for(fake, OAuthTokens(app, connect(fake, app)))
    control(fake, "revoke", {"email": "alice@example.com"})

    with pytest.raises(AuthenticationError) as refused:
        provider.create(make_spec())

    assert refused.value.code == "invalid_grant"
    assert remote_events(fake) == []


def test_credentials_refused_after_a_refresh_raise_authentication_error(fake: FakeServer) -> None:
    source = StaticTokens("ya29.not-a-real-token", after_refresh="ya29.still-not-real")
    provider = provider_for(fake, source)

    with pytest.raises(AuthenticationError) as refused:
        provider.create(make_spec())

    assert source.refreshes == 1
    assert refused.value.code == "authError" and "reconnect" in refused.value.message
    assert "still-not-real" not in refused.value.message


def transport_client(handler: Any) -> httpx2.Client:
    return make_client(
        "https://www.googleapis.com",
        timeout=5.0,
        auth=BearerAuth(StaticTokens("t")),
        transport=httpx2.MockTransport(handler),
    )


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (httpx2.Response(502, text="<html>Bad Gateway</html>"), "HTTP 502"),
        (httpx2.Response(200, text="<html>captive portal</html>"), "not a JSON object"),
        (httpx2.Response(200, json=["not", "an", "object"]), "not a JSON object"),
        (httpx2.Response(200, json={"status": "confirmed"}), "without an id"),
        (httpx2.Response(200, json={"id": "abcdefg", "hangoutLink": 5}), "without a Meet link"),
    ],
)
def test_malformed_answers_are_transient_errors_naming_what_is_missing(
    answer: httpx2.Response, words: str
) -> None:
    provider = GoogleMeetProvider(http=transport_client(lambda request: answer), sleep=Sleeps())

    with pytest.raises(ProviderError, match=words) as failed:
        provider.refresh_info("abcdefg")

    assert not failed.value.permanent


@pytest.mark.parametrize("exc", [httpx2.ReadTimeout("slow"), httpx2.ConnectError("refused")])
def test_timeouts_and_dropped_connections_are_transient(exc: Exception) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc

    provider = GoogleMeetProvider(http=transport_client(handler))

    with pytest.raises(ProviderError) as failed:
        provider.create(make_spec())

    assert not failed.value.permanent and type(exc).__name__ in failed.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
event_keys = st.sampled_from(
    ["id", "hangoutLink", "conferenceData", "status", "calendars", "start"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(event_keys, json_values, max_size=5))
def test_reading_any_json_never_raises_anything_but_provider_error(payload: dict[str, Any]) -> None:
    for read in (
        events.meeting_info,
        events.conference_state,
        lambda p: events.busy_intervals(p, "primary"),
        lambda p: events.differs(p, make_spec()),
    ):
        with contextlib.suppress(ProviderError):
            read(payload)


# -- OAuth -------------------------------------------------------------------------------------
def test_the_consent_flow_gives_an_offline_token_for_the_calendar_scopes(fake: FakeServer) -> None:
    app = app_for(fake)
    url = oauth.authorization_url(app, redirect_uri=REDIRECT_URI, state="s", code_verifier="v" * 64)
    sent = parse_qs(urlsplit(url).query)
    assert sent["access_type"] == ["offline"] and sent["prompt"] == ["consent"]
    assert sent["include_granted_scopes"] == ["true"]
    assert sent["code_challenge_method"] == ["S256"]
    assert set(sent["scope"][0].split()) == set(auth.SCOPES)

    tokens = connect(fake, app, email="dana@example.com")

    assert tokens.refresh_token and tokens.access_token
    assert set(tokens.scope.split()) == set(auth.SCOPES)
    assert auth.scope_problems(tokens.scope) == ()
    identity = auth.identify(client_for(fake, StaticTokens(tokens.access_token)), app_only=False)
    assert identity.email == "dana@example.com" and identity.problems == ()


def test_a_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(fake: FakeServer) -> None:
    app = app_for(fake)
    tokens = connect(fake, app)

    refreshed = oauth.refresh(app, tokens.refresh_token or "")

    assert refreshed.access_token != tokens.access_token
    assert refreshed.refresh_token == tokens.refresh_token  # Google does not rotate
    assert oauth.refresh(app, tokens.refresh_token or "").access_token


def test_without_prompt_consent_google_gives_no_refresh_token(fake: FakeServer) -> None:
    app = app_for(fake, authorize_params={"access_type": "offline"})

    assert connect(fake, app).refresh_token is None


def test_refresh_tokens_of_an_app_in_testing_mode_die_after_seven_days(fake: FakeServer) -> None:
    control(fake, "config", {"refresh_token_max_age": 7 * 86400})
    app = app_for(fake)
    tokens = connect(fake, app)
    control(fake, "clock", {"advance_seconds": 6 * 86400})
    assert oauth.refresh(app, tokens.refresh_token or "").access_token
    control(fake, "clock", {"advance_seconds": 2 * 86400})

    with pytest.raises(AuthenticationError) as dead:
        oauth.refresh(app, tokens.refresh_token or "")

    assert dead.value.code == "invalid_grant"


@pytest.mark.parametrize(
    ("changes", "words"),
    [({"client_id": "someone-else"}, "invalid_client"), ({"pkce": False}, "PKCE")],
)
def test_the_consent_page_refuses_an_unknown_client_or_a_request_without_pkce(
    fake: FakeServer, changes: dict[str, Any], words: str
) -> None:
    app = app_for(fake, **changes)
    url = oauth.authorization_url(app, redirect_uri=REDIRECT_URI, state="s", code_verifier="v" * 64)

    page = WEB.get(url)

    assert page.status_code == 400 and words in page.text
    assert "location" not in page.headers  # never a redirect to an unchecked redirect_uri


def test_deny_on_the_consent_page_redirects_with_access_denied(fake: FakeServer) -> None:
    query, state_value, _ = consent(fake, app_for(fake), button="deny")

    assert query == {"error": ["access_denied"], "state": [state_value]}


def test_a_wrong_code_verifier_is_refused(fake: FakeServer) -> None:
    app = app_for(fake)
    query, _, _ = consent(fake, app)

    with pytest.raises(AuthenticationError) as refused:
        oauth.exchange_code(
            app, code=query["code"][0], redirect_uri=REDIRECT_URI, code_verifier="x" * 64
        )

    assert refused.value.code == "invalid_grant"


def test_an_unticked_permission_shows_up_as_a_problem(fake: FakeServer) -> None:
    tokens = connect(fake, app_for(fake), untick=(auth.FREEBUSY_SCOPE,))

    assert [p for p in auth.scope_problems(tokens.scope) if "busy" in p]
    identity = auth.identify(client_for(fake, StaticTokens(tokens.access_token)), app_only=False)
    assert identity.email == "alice@example.com"
    assert len(identity.problems) == 1 and "busy" in identity.problems[0]


def test_identify_without_the_calendar_read_permission_asks_to_reconnect(fake: FakeServer) -> None:
    token = user_token(fake, scopes=[auth.EVENTS_SCOPE, auth.FREEBUSY_SCOPE])

    with pytest.raises(AuthenticationError, match="reconnect"):
        auth.identify(client_for(fake, StaticTokens(token)), app_only=False)


def test_identify_reports_an_account_without_google_meet(fake: FakeServer) -> None:
    control(fake, "accounts", {"email": "erin@example.com", "meet_enabled": False})
    http = client_for(fake, StaticTokens(user_token(fake, "erin@example.com")))

    identity = auth.identify(http, app_only=False, host_email="frank@example.com")

    assert identity.email == "erin@example.com"
    assert any("Google Meet is not available" in p for p in identity.problems)
    assert any("not the host frank@example.com" in p for p in identity.problems)


# -- service accounts ------------------------------------------------------------------------------
def register(fake: FakeServer, key: tuple[dict[str, str], str], *, delegated: bool) -> None:
    info, public = key
    control(
        fake,
        "service-accounts",
        {"client_email": info["client_email"], "public_key_pem": public, "delegated": delegated},
    )


def test_a_delegated_service_account_makes_meetings_as_the_host(
    fake: FakeServer, key_pair: tuple[dict[str, str], str]
) -> None:
    register(fake, key_pair, delegated=True)

    tokens = auth.service_account_token(
        key_pair[0], subject="grace@example.com", token_url=f"{fake.url}/token"
    )
    http = client_for(fake, StaticTokens(tokens.access_token))
    info = GoogleMeetProvider(http=http).create(make_spec())
    identity = auth.identify(http, app_only=False, host_email="grace@example.com")

    assert tokens.refresh_token is None
    assert info.join_url == remote_events(fake, "grace@example.com")[0]["hangout_link"] != ""
    assert identity.email == "grace@example.com" and identity.problems == ()
    assert state(fake)["token_grants"] == {"jwt_bearer": 1}


def test_a_service_account_without_delegation_is_told_where_to_grant_it(
    fake: FakeServer, key_pair: tuple[dict[str, str], str]
) -> None:
    register(fake, key_pair, delegated=False)

    with pytest.raises(AuthenticationError) as refused:
        auth.service_account_token(
            key_pair[0], subject="grace@example.com", token_url=f"{fake.url}/token"
        )

    assert refused.value.code == "unauthorized_client"
    assert "domain-wide delegation" in refused.value.message
    assert key_pair[0]["client_id"] in refused.value.message
    assert "PRIVATE KEY" not in refused.value.message


def test_a_service_account_acting_as_itself_cannot_make_meet_links(
    fake: FakeServer, key_pair: tuple[dict[str, str], str]
) -> None:
    register(fake, key_pair, delegated=False)  # no subject: no delegation needed

    tokens = auth.service_account_token(key_pair[0], subject="", token_url=f"{fake.url}/token")
    http = client_for(fake, StaticTokens(tokens.access_token))

    with pytest.raises(CapabilityMissing, match="subject"):
        GoogleMeetProvider(http=http).create(make_spec())
    identity = auth.identify(http, app_only=False)
    assert identity.email == key_pair[0]["client_email"]
    assert any("Google Meet is not available" in p for p in identity.problems)


def test_a_token_signed_with_another_key_is_refused(
    fake: FakeServer, key_pair: tuple[dict[str, str], str]
) -> None:
    register(fake, key_pair, delegated=True)
    impostor, _ = rsa_key_info(key_pair[0]["client_email"])

    with pytest.raises(AuthenticationError) as refused:
        auth.service_account_token(
            impostor, subject="grace@example.com", token_url=f"{fake.url}/token"
        )

    assert refused.value.code == "invalid_grant" and "Signature" in refused.value.message


def test_the_service_account_assertion_carries_the_claims_google_checks(
    key_pair: tuple[dict[str, str], str],
) -> None:
    sent: list[dict[str, str]] = []

    def token_endpoint(request: httpx2.Request) -> httpx2.Response:
        sent.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        return httpx2.Response(
            200, json={"access_token": "ya29.x", "expires_in": 3599, "token_type": "Bearer"}
        )

    now = datetime(2030, 1, 1, tzinfo=UTC)
    auth.service_account_token(
        key_pair[0],
        subject="grace@example.com",
        token_url="https://oauth.example.test/token",
        transport=httpx2.MockTransport(token_endpoint),
        now=now,
    )

    [form] = sent
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert set(form) == {"grant_type", "assertion"}  # no client secret in this grant
    header = jwt.get_unverified_header(form["assertion"])
    claims = jwt.decode(
        form["assertion"],
        key_pair[1],
        algorithms=["RS256"],
        audience="https://oauth.example.test/token",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert header["alg"] == "RS256" and header["kid"] == key_pair[0]["private_key_id"]
    assert claims["iss"] == key_pair[0]["client_email"] and claims["sub"] == "grace@example.com"
    assert claims["scope"].split() == list(auth.SCOPES)
    assert claims["iat"] == int(now.timestamp()) and claims["exp"] - claims["iat"] <= 3600


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"private_key": None}, "'private_key'"),
        ({"client_email": ""}, "'client_email'"),
        ({"type": None}, "'type'"),
        ({"type": "authorized_user"}, "'service_account'"),
        ({"private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"}, "PEM"),
    ],
)
def test_a_broken_key_file_is_refused_naming_the_field(
    key_pair: tuple[dict[str, str], str], change: dict[str, Any], named: str
) -> None:
    info = {k: v for k, v in {**key_pair[0], **change}.items() if v is not None}

    with pytest.raises(ValueError, match=named):
        auth.service_account_token(
            info, subject="grace@example.com", token_url="http://127.0.0.1:9/token"
        )


# -- the contract ----------------------------------------------------------------------------------
def test_the_registry_finds_the_provider_and_its_capabilities_are_truthful() -> None:
    cls = provider_class("google_meet")

    assert cls is GoogleMeetProvider
    assert cls.slug == "google_meet" and cls.name == "Google Meet"
    caps = cls.capabilities
    assert (
        caps.calendar_event and caps.free_busy and caps.idempotent_create and caps.needs_connection
    )
    assert not caps.passcode and caps.daily_writes_per_host is None
    assert caps.requests_per_second is not None and caps.requests_per_second <= 10


def test_error_bodies_of_the_fake_are_googles_envelope(fake: FakeServer) -> None:
    token = user_token(fake)
    answer = WEB.delete(
        f"{fake.url}/calendar/v3/calendars/primary/events/{new_key()}",
        headers={"Authorization": f"Bearer {token}"},
    )

    body = json.loads(answer.text)
    assert answer.status_code == 404
    assert body["error"]["code"] == 404
    assert body["error"]["errors"][0]["reason"] == "notFound"
