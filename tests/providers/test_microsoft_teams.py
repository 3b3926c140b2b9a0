"""Microsoft Teams through Microsoft Graph, against the fake over real HTTP on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx2
import pytest

from convener.providers import oauth
from convener.providers.base import (
    AuthenticationError,
    BusyInterval,
    CapabilityMissing,
    MeetingGone,
    MeetingSpec,
    Person,
    ProviderError,
    RateLimited,
)
from convener.providers.http import BearerAuth, make_client
from convener.providers.microsoft_teams import auth
from convener.providers.microsoft_teams.errors import graph_error
from convener.providers.microsoft_teams.provider import MicrosoftTeamsProvider
from convener.providers.registry import provider_class
from fakeproviders.harness import FakeServer
from fakeproviders.microsoft import FakeMicrosoft

CLIENT_ID = "fake-microsoft-client-id"
CLIENT_SECRET = "fake-microsoft-client-secret"
REDIRECT_URI = "http://127.0.0.1:9/connections/microsoft/callback"
BERLIN = ZoneInfo("Europe/Berlin")


# -- the fake and connected accounts ------------------------------------------------------
@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeMicrosoft()) as running:
        yield running


@pytest.fixture
def fake(server: FakeServer) -> Iterator[FakeServer]:
    server.app.reset()
    yield server
    server.app.reset()


def control(fake: FakeServer, action: str, payload: dict[str, Any] | None = None) -> Any:
    response = httpx2.post(f"{fake.url}/_fake/{action}", json=payload or {})
    assert response.status_code == 200, response.text
    return response.json()


def state(fake: FakeServer) -> dict[str, Any]:
    held: dict[str, Any] = httpx2.get(f"{fake.url}/_fake/state").json()
    return held


def live_events(fake: FakeServer, email: str = "alice@example.com") -> list[dict[str, Any]]:
    return [e for e in state(fake)["events"].get(email, []) if not e["deleted"]]


def delegated_app(fake: FakeServer, **changes: Any) -> oauth.OAuthApp:
    return auth.oauth_app(
        client_id=changes.pop("client_id", CLIENT_ID),
        client_secret=changes.pop("client_secret", CLIENT_SECRET),
        login_url=fake.url,
        **changes,
    )


class ConsentForm(HTMLParser):
    """The consent page's form: its action, fields, and buttons by their text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}
        self._button: tuple[str, str] | None = None
        self.title = ""
        self._in_title = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False
        if tag == "button":
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._button is not None and data.strip():
            self.buttons[data.strip()] = self._button


def submit_consent(
    app: oauth.OAuthApp, *, email: str, button: str = "Allow"
) -> tuple[httpx2.Response, str, str]:
    """Drive the consent page like a browser: (the form's answer, verifier, state)."""
    verifier, state_value = oauth.new_code_verifier(), oauth.new_state()
    url = oauth.authorization_url(
        app, redirect_uri=REDIRECT_URI, state=state_value, code_verifier=verifier
    )
    with httpx2.Client() as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        form = ConsentForm(page.text)
        assert "Microsoft" in form.title
        assert form.fields["email"] == "alice@example.com"  # prefilled default account
        name, value = form.buttons[button]
        answer = browser.post(
            urljoin(url, form.action), data=form.fields | {"email": email, name: value}
        )
    return answer, verifier, state_value


def consent(
    fake: FakeServer, app: oauth.OAuthApp, *, email: str, button: str = "Allow"
) -> tuple[dict[str, list[str]], str, str]:
    """The consent flow up to the redirect: (redirect query, verifier, state)."""
    answer, verifier, state_value = submit_consent(app, email=email, button=button)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI)
    return parse_qs(urlsplit(location).query), verifier, state_value


def connect(fake: FakeServer, email: str = "alice@example.com", **changes: Any) -> oauth.TokenSet:
    app = delegated_app(fake, **changes)
    query, verifier, state_value = consent(fake, app, email=email)
    assert query["state"] == [state_value]
    return oauth.exchange_code(
        app, code=query["code"][0], redirect_uri=REDIRECT_URI, code_verifier=verifier
    )


class RefreshingSource:
    """A delegated AccessTokenSource that refreshes at the fake's token endpoint."""

    def __init__(self, app: oauth.OAuthApp, tokens: oauth.TokenSet) -> None:
        self.app, self.tokens = app, tokens
        self.lock = threading.Lock()
        self.refreshes = 0

    def token(self) -> str:
        return self.tokens.access_token

    def refresh(self, rejected: str) -> str:
        with self.lock:
            if self.tokens.access_token == rejected:
                assert self.tokens.refresh_token
                self.tokens = oauth.refresh(self.app, self.tokens.refresh_token)
                self.refreshes += 1
            return self.tokens.access_token


class AppOnlySource:
    """Client credentials: no refresh token, so a refresh is a new grant."""

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        self.tokens = self._grant()

    def _grant(self) -> oauth.TokenSet:
        return auth.app_token(
            login_url=self.fake.url,
            tenant_id=self.fake.app.tenant_id,  # type: ignore[attr-defined]
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )

    def token(self) -> str:
        return self.tokens.access_token

    def refresh(self, rejected: str) -> str:
        if self.tokens.access_token == rejected:
            self.tokens = self._grant()
        return self.tokens.access_token


class Recorder:
    """Keeps every request a client sends, to check what went over the wire."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> None:
        request.read()
        self.requests.append(request)

    def bodies(self, method: str, suffix: str) -> list[dict[str, Any]]:
        return [
            json.loads(r.content)
            for r in self.requests
            if r.method == method and r.url.path.endswith(suffix)
        ]


def graph_client(fake: FakeServer, source: Any, recorder: Recorder | None = None) -> httpx2.Client:
    client = make_client(fake.url, timeout=5.0, auth=BearerAuth(source))
    if recorder is not None:
        client.event_hooks = {"request": [recorder]}
    return client


def teams(
    fake: FakeServer,
    email: str = "alice@example.com",
    *,
    recorder: Recorder | None = None,
    sleeps: list[float] | None = None,
) -> tuple[MicrosoftTeamsProvider, RefreshingSource]:
    source = RefreshingSource(delegated_app(fake), connect(fake, email))
    provider = MicrosoftTeamsProvider(
        http=graph_client(fake, source, recorder),
        reread_delay=0.01,
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )
    return provider, source


def app_only_teams(
    fake: FakeServer, recorder: Recorder | None = None
) -> tuple[MicrosoftTeamsProvider, AppOnlySource]:
    source = AppOnlySource(fake)
    provider = MicrosoftTeamsProvider(
        http=graph_client(fake, source, recorder), app_only=True, sleep=lambda s: None
    )
    return provider, source


def new_key(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return "".join(rng.choice("abcdefghijklmnopqrstuv0123456789") for _ in range(32))


def spec(**changes: Any) -> MeetingSpec:
    start = changes.pop("start", datetime(2026, 3, 10, 15, 0, tzinfo=BERLIN))
    values: dict[str, Any] = {
        "key": new_key(),
        "title": "Onboarding call",
        "start": start,
        "end": start + timedelta(minutes=45),
        "timezone": "Europe/Berlin",
        "description": "Agenda:\n1. <intro>",
        "attendees": (Person("dana@customer.example", "Dana"),),
    }
    values.update(changes)
    return MeetingSpec(**values)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- create ---------------------------------------------------------------------------------
def test_the_registry_resolves_microsoft_teams_to_this_provider() -> None:
    assert provider_class("microsoft_teams") is MicrosoftTeamsProvider
    assert MicrosoftTeamsProvider.capabilities.idempotent_create
    assert MicrosoftTeamsProvider.capabilities.calendar_event


def test_create_makes_one_event_with_a_teams_link_at_the_planned_local_time(
    fake: FakeServer,
) -> None:
    recorder = Recorder()
    provider, _ = teams(fake, recorder=recorder)
    meeting = spec()

    info = provider.create(meeting)

    assert info.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert not info.pending
    assert info.conference_id.isdigit()
    assert info.dial_in and info.extra["iCalUId"]
    [event] = live_events(fake)
    assert event["id"] == info.meeting_id
    assert event["joinUrl"] == info.join_url
    assert event["transactionId"] == meeting.key
    assert event["timeZone"] == "Europe/Berlin"
    assert utc(event["start"]) == meeting.start
    assert utc(event["end"]) == meeting.end
    assert event["attendees"] == ["dana@customer.example"]
    [sent] = recorder.bodies("POST", "/v1.0/me/events")
    assert sent["start"] == {"dateTime": "2026-03-10T15:00:00", "timeZone": "Europe/Berlin"}
    assert sent["end"] == {"dateTime": "2026-03-10T15:45:00", "timeZone": "Europe/Berlin"}
    assert sent["isOnlineMeeting"] is True
    assert sent["onlineMeetingProvider"] == "teamsForBusiness"
    assert sent["attendees"][0]["type"] == "required"
    assert sent["body"]["contentType"] == "HTML"
    assert "&lt;intro&gt;" in sent["body"]["content"]
    post = next(r for r in recorder.requests if r.method == "POST")
    assert post.headers["Prefer"] == 'outlook.timezone="UTC"'


def test_create_sends_the_second_pass_through_a_repeated_hour_in_utc(fake: FakeServer) -> None:
    recorder = Recorder()
    provider, _ = teams(fake, recorder=recorder)
    # 25 Oct 2026, 02:30 happens twice in Berlin; this is the second time (CET, 01:30 UTC).
    second = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1)
    meeting = spec(start=second, end=second + timedelta(minutes=30))

    provider.create(meeting)

    [sent] = recorder.bodies("POST", "/events")
    assert sent["start"] == {"dateTime": "2026-10-25T01:30:00", "timeZone": "UTC"}
    [event] = live_events(fake)
    assert utc(event["start"]) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_create_falls_back_to_utc_when_graph_does_not_know_the_zone(fake: FakeServer) -> None:
    control(fake, "settings", {"rejected_zones": ["Europe/Kyiv"]})
    provider, _ = teams(fake)
    start = datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv"))

    info = provider.create(
        spec(start=start, end=start + timedelta(hours=1), timezone="Europe/Kyiv")
    )

    [event] = live_events(fake)
    assert event["timeZone"] == "UTC"
    assert utc(event["start"]) == start
    assert info.join_url


def test_create_retried_with_the_same_key_returns_the_first_event(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    meeting = spec()

    first = provider.create(meeting)
    again = provider.create(meeting, reconcile=True)

    assert again.meeting_id == first.meeting_id
    assert again.join_url == first.join_url
    assert len(live_events(fake)) == 1
    assert state(fake)["dedupe_hits"] == 1


def test_a_create_dropped_after_commit_is_not_duplicated_by_the_retry(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    meeting = spec()
    control(fake, "faults", {"drop_after_commit_rate": 1.0})

    with pytest.raises(ProviderError) as dropped:
        provider.create(meeting)
    assert not dropped.value.permanent
    control(fake, "faults", {"drop_after_commit_rate": 0.0})
    info = provider.create(meeting, reconcile=True)

    [event] = live_events(fake)
    assert event["id"] == info.meeting_id and event["joinUrl"] == info.join_url


def test_find_names_the_event_a_dropped_create_made_so_a_cancel_can_remove_it(
    fake: FakeServer,
) -> None:
    provider, _ = teams(fake)
    meeting = spec()
    assert provider.find(meeting) is None  # nothing made yet
    control(fake, "faults", {"drop_after_commit_rate": 1.0})
    with pytest.raises(ProviderError):
        provider.create(meeting)
    control(fake, "faults", {"drop_after_commit_rate": 0.0})

    found = provider.find(meeting)
    assert found is not None
    provider.cancel(found)

    assert live_events(fake) == []


def test_create_finds_the_first_event_when_graph_answers_a_repeat_with_409(
    fake: FakeServer,
) -> None:
    control(fake, "settings", {"duplicate_transaction": "conflict"})
    provider, _ = teams(fake)
    meeting = spec()

    first = provider.create(meeting)
    again = provider.create(meeting, reconcile=True)

    assert again.meeting_id == first.meeting_id and again.join_url == first.join_url
    assert len(live_events(fake)) == 1


def test_randomized_creates_with_server_errors_and_drops_end_with_one_event_per_key(
    fake: FakeServer,
) -> None:
    provider, _ = teams(fake)
    control(
        fake,
        "faults",
        {"seed": 20260310, "server_error_rate": 0.2, "drop_after_commit_rate": 0.1},
    )
    rng = random.Random(7)
    keys = [new_key(rng) for _ in range(200)]
    links: dict[str, str] = {}
    failures = 0
    for key in keys:
        for attempt in range(50):
            try:
                links[key] = provider.create(spec(key=key), reconcile=attempt > 0).join_url
                break
            except ProviderError as exc:
                assert not exc.permanent, exc
                failures += 1
        else:
            pytest.fail(f"no success for {key} after 50 attempts")
    control(fake, "faults", {"server_error_rate": 0.0, "drop_after_commit_rate": 0.0})

    events = live_events(fake)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_key.setdefault(event["transactionId"], []).append(event)
    assert failures > 20  # the faults really happened
    assert sorted(by_key) == sorted(keys)
    assert all(len(found) == 1 for found in by_key.values())
    assert all(by_key[k][0]["joinUrl"] == links[k] for k in keys)


def test_create_waits_briefly_for_a_late_link(fake: FakeServer) -> None:
    control(fake, "settings", {"link_delay_reads": 2})
    sleeps: list[float] = []
    provider, _ = teams(fake, sleeps=sleeps)

    info = provider.create(spec())

    assert info.join_url and not info.pending
    assert sleeps == [0.01, 0.02]  # two bounded re-reads, growing


def test_create_returns_pending_when_the_link_stays_missing_and_refresh_info_finds_it(
    fake: FakeServer,
) -> None:
    control(fake, "settings", {"link_delay_reads": 3})
    provider, _ = teams(fake)

    info = provider.create(spec())

    assert info.pending and info.join_url == ""
    assert info.meeting_id == live_events(fake)[0]["id"]
    later = provider.refresh_info(info.meeting_id)
    assert not later.pending
    assert later.join_url == live_events(fake)[0]["joinUrl"]


def test_a_personal_account_cannot_create_teams_meetings_and_the_linkless_event_is_removed(
    fake: FakeServer,
) -> None:
    provider, _ = teams(fake, "pat@outlook.com")

    with pytest.raises(CapabilityMissing) as refused:
        provider.create(spec())

    assert refused.value.permanent
    assert "personal Microsoft accounts cannot create Teams meetings" in str(refused.value)
    assert "was removed" in str(refused.value)
    [event] = state(fake)["events"]["pat@outlook.com"]
    assert event["isOnlineMeeting"] is False and event["deleted"]


# -- app-only -------------------------------------------------------------------------------
def test_app_only_create_acts_on_the_host_and_never_on_me(fake: FakeServer) -> None:
    control(fake, "teams-policy", {"email": "bob@example.com", "granted": True})
    recorder = Recorder()
    provider, _ = app_only_teams(fake, recorder)

    info = provider.create(spec(host=Person("bob@example.com", "Bob")))

    assert info.meeting_id.startswith("bob@example.com:")
    [event] = live_events(fake, "bob@example.com")
    assert info.meeting_id == f"bob@example.com:{event['id']}"
    assert info.join_url == event["joinUrl"]
    assert all(not r.url.path.startswith("/v1.0/me") for r in recorder.requests)
    assert live_events(fake) == []  # nothing landed in alice's calendar


def test_app_only_update_cancel_and_refresh_find_the_mailbox_in_the_meeting_id(
    fake: FakeServer,
) -> None:
    control(fake, "teams-policy", {"global": True})
    provider, _ = app_only_teams(fake)
    host = Person("carol@example.com")
    info = provider.create(spec(host=host))
    moved = datetime(2026, 3, 11, 9, 0, tzinfo=BERLIN)

    updated = provider.update(
        info.meeting_id, spec(host=host, start=moved, end=moved + timedelta(hours=1))
    )
    assert updated.meeting_id == info.meeting_id and updated.join_url == info.join_url
    assert provider.refresh_info(info.meeting_id).join_url == info.join_url
    provider.cancel(info.meeting_id)

    [event] = state(fake)["events"]["carol@example.com"]
    assert utc(event["start"]) == moved
    assert event["cancelled"]


def test_app_only_create_without_a_host_is_a_permanent_error(fake: FakeServer) -> None:
    provider, _ = app_only_teams(fake)

    with pytest.raises(ProviderError) as refused:
        provider.create(spec(host=None))

    assert refused.value.permanent and "needs a host" in str(refused.value)


def test_app_only_create_without_a_teams_policy_tells_the_admin_what_to_grant(
    fake: FakeServer,
) -> None:
    provider, _ = app_only_teams(fake)

    with pytest.raises(CapabilityMissing) as refused:
        provider.create(spec(host=Person("bob@example.com")))

    assert "New-CsApplicationAccessPolicy" in str(refused.value)
    assert "Grant-CsApplicationAccessPolicy" in str(refused.value)
    assert refused.value.status == 403
    assert live_events(fake, "bob@example.com") == []


def test_an_app_only_token_used_as_me_is_a_permanent_error_pointing_to_users(
    fake: FakeServer,
) -> None:
    source = AppOnlySource(fake)
    provider = MicrosoftTeamsProvider(http=graph_client(fake, source), app_only=False)

    with pytest.raises(ProviderError) as refused:
        provider.create(spec())

    assert refused.value.permanent and refused.value.status == 400
    assert "/users/{email}" in str(refused.value)


# -- update, cancel, refresh ------------------------------------------------------------------
def test_update_moves_and_renames_the_event_and_keeps_the_link(fake: FakeServer) -> None:
    recorder = Recorder()
    provider, _ = teams(fake, recorder=recorder)
    info = provider.create(spec())
    moved = datetime(2026, 3, 12, 10, 30, tzinfo=BERLIN)

    updated = provider.update(
        info.meeting_id,
        spec(
            title="Onboarding (moved)",
            start=moved,
            end=moved + timedelta(minutes=30),
            attendees=(Person("dana@customer.example"), Person("eve@customer.example")),
        ),
    )

    assert updated.meeting_id == info.meeting_id and updated.join_url == info.join_url
    [event] = live_events(fake)
    assert event["subject"] == "Onboarding (moved)"
    assert utc(event["start"]) == moved and utc(event["end"]) == moved + timedelta(minutes=30)
    assert event["attendees"] == ["dana@customer.example", "eve@customer.example"]
    [patch] = recorder.bodies("PATCH", info.meeting_id)
    [raw] = [r.url.raw_path for r in recorder.requests if r.method == "PATCH"]
    assert raw.endswith(info.meeting_id.replace("=", "%3D").encode())  # one quoted segment
    assert "isOnlineMeeting" not in patch and "transactionId" not in patch
    assert "body" not in patch  # a body without the join block would drop the link
    assert patch["start"] == {"dateTime": "2026-03-12T10:30:00", "timeZone": "Europe/Berlin"}


def test_update_restores_a_teams_link_that_an_outlook_edit_dropped(fake: FakeServer) -> None:
    provider, source = teams(fake)
    info = provider.create(spec())
    edited = httpx2.patch(
        f"{fake.url}/v1.0/me/events/{info.meeting_id}",
        json={"body": {"contentType": "HTML", "content": "new text, no join block"}},
        headers={"Authorization": f"Bearer {source.token()}"},
    )
    assert edited.json()["isOnlineMeeting"] is False  # the trap itself

    updated = provider.update(info.meeting_id, spec())

    assert updated.join_url and updated.join_url != info.join_url
    [event] = live_events(fake)
    assert event["isOnlineMeeting"] and event["joinUrl"] == updated.join_url


def test_update_of_a_meeting_deleted_in_outlook_raises_meeting_gone(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    info = provider.create(spec())
    provider.cancel(info.meeting_id)

    with pytest.raises(MeetingGone) as gone:
        provider.update(info.meeting_id, spec())

    assert gone.value.permanent and gone.value.status == 404


def test_cancel_sends_the_cancellation_to_attendees(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    info = provider.create(spec())

    provider.cancel(info.meeting_id)

    [event] = state(fake)["events"]["alice@example.com"]
    assert event["cancelled"] and event["history"] == ["created", "cancelled"]
    assert state(fake)["events"]["alice@example.com"][0]["deleted"]


def test_cancel_of_a_meeting_already_gone_succeeds(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    info = provider.create(spec())
    provider.cancel(info.meeting_id)

    provider.cancel(info.meeting_id)  # no exception: gone counts as cancelled
    provider.cancel("AAMkADnothing-here=")


def test_cancel_falls_back_to_delete_when_graph_refuses_to_cancel(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    foreign = control(
        fake,
        "busy",
        {
            "email": "alice@example.com",
            "organizer": "bob@example.com",
            "start": "2026-03-10T09:00:00Z",
            "end": "2026-03-10T10:00:00Z",
        },
    )["id"]
    control(fake, "settings", {"cancel_requires_attendees": True})
    lonely = provider.create(spec(attendees=()))

    provider.cancel(foreign)
    provider.cancel(lonely.meeting_id)

    events = {e["id"]: e for e in state(fake)["events"]["alice@example.com"]}
    assert events[foreign]["history"] == ["created", "deleted"]
    assert events[lonely.meeting_id]["history"] == ["created", "deleted"]


def test_refresh_info_of_a_cancelled_meeting_raises_meeting_gone(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    info = provider.create(spec())
    provider.cancel(info.meeting_id)

    with pytest.raises(MeetingGone):
        provider.refresh_info(info.meeting_id)


# -- free/busy ------------------------------------------------------------------------------
def busy_block(fake: FakeServer, email: str, start: str, end: str, status: str) -> None:
    control(fake, "busy", {"email": email, "start": start, "end": end, "status": status})


def test_free_busy_counts_busy_tentative_away_and_elsewhere_but_not_free(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    day = "2026-03-10T"
    busy_block(fake, "alice@example.com", day + "08:00:00Z", day + "09:00:00Z", "busy")
    busy_block(fake, "alice@example.com", day + "09:30:00Z", day + "10:00:00Z", "tentative")
    busy_block(fake, "alice@example.com", day + "11:00:00Z", day + "12:00:00Z", "free")
    busy_block(fake, "alice@example.com", day + "13:00:00Z", day + "14:00:00Z", "oof")
    busy_block(fake, "alice@example.com", day + "14:00:00Z", day + "15:00:00Z", "workingElsewhere")
    busy_block(fake, "bob@example.com", day + "11:00:00Z", day + "12:00:00Z", "busy")

    found = provider.free_busy(None, utc(day + "07:00:00Z"), utc(day + "17:00:00Z"))

    assert found == [
        BusyInterval(utc(day + "08:00:00Z"), utc(day + "09:00:00Z")),
        BusyInterval(utc(day + "09:30:00Z"), utc(day + "10:00:00Z")),
        BusyInterval(utc(day + "13:00:00Z"), utc(day + "15:00:00Z")),
    ]


def test_free_busy_of_another_host_is_clipped_to_the_window(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    busy_block(fake, "bob@example.com", "2026-03-10T06:00:00Z", "2026-03-10T10:00:00Z", "busy")

    found = provider.free_busy(
        Person("bob@example.com"), utc("2026-03-10T08:00:00Z"), utc("2026-03-10T12:00:00Z")
    )

    assert found == [BusyInterval(utc("2026-03-10T08:00:00Z"), utc("2026-03-10T10:00:00Z"))]


def test_free_busy_of_an_unknown_mailbox_is_a_transient_error_naming_the_code(
    fake: FakeServer,
) -> None:
    provider, _ = teams(fake)

    with pytest.raises(ProviderError) as failed:
        provider.free_busy(
            Person("nobody@example.com"), utc("2026-03-10T08:00:00Z"), utc("2026-03-10T12:00:00Z")
        )

    assert not failed.value.permanent
    assert failed.value.code == "ErrorMailRecipientNotFound"
    assert "nobody@example.com" in str(failed.value)


def test_free_busy_over_a_long_window_asks_in_slices(fake: FakeServer) -> None:
    recorder = Recorder()
    provider, _ = teams(fake, recorder=recorder)
    busy_block(fake, "alice@example.com", "2026-04-20T08:00:00Z", "2026-04-20T09:00:00Z", "busy")

    found = provider.free_busy(None, utc("2026-03-01T00:00:00Z"), utc("2026-05-15T00:00:00Z"))

    assert found == [BusyInterval(utc("2026-04-20T08:00:00Z"), utc("2026-04-20T09:00:00Z"))]
    asked = recorder.bodies("POST", "/getSchedule")
    assert len(asked) == 3 and asked[0]["schedules"] == ["alice@example.com"]
    assert asked[0]["startTime"] == {"dateTime": "2026-03-01T00:00:00", "timeZone": "UTC"}


def test_app_only_free_busy_reads_the_hosts_calendar(fake: FakeServer) -> None:
    provider, _ = app_only_teams(fake)
    busy_block(fake, "bob@example.com", "2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z", "busy")

    found = provider.free_busy(
        Person("bob@example.com"), utc("2026-03-10T00:00:00Z"), utc("2026-03-11T00:00:00Z")
    )

    assert found == [BusyInterval(utc("2026-03-10T08:00:00Z"), utc("2026-03-10T09:00:00Z"))]


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "retry_after", "seconds"),
    [("TooManyRequests", "2.128", 2.128), ("ApplicationThrottled", "10", 10.0)],
)
def test_a_graph_throttle_is_retryable_after_the_retry_after_it_gave(
    fake: FakeServer, code: str, retry_after: str, seconds: float
) -> None:
    provider, _ = teams(fake)
    control(fake, "throttle", {"count": 1, "retry_after": retry_after, "code": code})

    with pytest.raises(RateLimited) as limited:
        provider.create(spec())

    assert not limited.value.permanent
    assert limited.value.retry_after == pytest.approx(seconds)
    assert limited.value.code == code and code in str(limited.value)
    assert live_events(fake) == []


def test_the_per_second_limit_answers_graphs_429_with_a_fractional_retry_after(
    fake: FakeServer,
) -> None:
    provider, _ = teams(fake)
    control(fake, "faults", {"rate_limit_per_second": 1})

    with pytest.raises(RateLimited) as limited:
        for _ in range(3):
            provider.create(spec())

    assert limited.value.retry_after is not None and 0 < limited.value.retry_after <= 1.0
    assert limited.value.code == "TooManyRequests"


def test_server_errors_are_transient(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    control(fake, "faults", {"server_error_rate": 1.0})

    with pytest.raises(ProviderError) as failed:
        provider.create(spec())

    assert not failed.value.permanent and failed.value.status == 503


def test_a_timeout_is_transient(fake: FakeServer) -> None:
    source = RefreshingSource(delegated_app(fake), connect(fake))
    provider = MicrosoftTeamsProvider(
        http=make_client(fake.url, timeout=0.3, auth=BearerAuth(source))
    )
    control(fake, "faults", {"timeout_rate": 1.0, "hang_seconds": 1.0})

    with pytest.raises(ProviderError) as failed:
        provider.create(spec())

    assert not failed.value.permanent and "did not answer in time" in str(failed.value)


def test_an_expired_access_token_is_refreshed_once_and_the_call_retried(fake: FakeServer) -> None:
    provider, source = teams(fake)
    first_refresh_token = source.tokens.refresh_token
    control(fake, "expire-access-tokens")

    info = provider.create(spec())

    assert info.join_url and source.refreshes == 1
    assert state(fake)["token_grants"]["refresh_token"] == 1
    assert source.tokens.refresh_token != first_refresh_token  # rotated...
    assert first_refresh_token is not None  # ...and the old one still works (Graph, not Zoom)
    assert oauth.refresh(delegated_app(fake), first_refresh_token).access_token


def test_a_revoked_refresh_token_is_an_authentication_error(fake: FakeServer) -> None:
    provider, _ = teams(fake)
    control(fake, "revoke", {"email": "alice@example.com"})
    control(fake, "expire-access-tokens")

    with pytest.raises(AuthenticationError) as refused:
        provider.create(spec())

    assert refused.value.code == "invalid_grant" and "AADSTS700082" in str(refused.value)
    assert live_events(fake) == []


def test_a_token_refused_after_the_refresh_is_an_authentication_error(fake: FakeServer) -> None:
    class Stale:
        def token(self) -> str:
            return "EwB-not-a-token"

        def refresh(self, rejected: str) -> str:
            return "EwB-still-not-a-token"

    provider = MicrosoftTeamsProvider(http=graph_client(fake, Stale()))

    with pytest.raises(AuthenticationError) as refused:
        provider.create(spec())

    assert refused.value.status == 401 and refused.value.code == "InvalidAuthenticationToken"
    assert "EwB" not in str(refused.value)


def graph_response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> httpx2.Response:
    request = httpx2.Request("POST", "https://graph.microsoft.com/v1.0/me/events")
    if isinstance(body, str):
        return httpx2.Response(status, text=body, headers=headers, request=request)
    return httpx2.Response(status, json=body, headers=headers, request=request)


def envelope(code: str, message: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "innerError": {"request-id": "x"}}}


@pytest.mark.parametrize(
    ("status", "body", "kind", "permanent"),
    [
        (403, envelope("ErrorAccessDenied", "Access is denied."), CapabilityMissing, True),
        (
            403,
            envelope(
                "Unauthorized", "App 1 is not authorized to Create meeting on behalf of user 2"
            ),
            CapabilityMissing,
            True,
        ),
        (
            404,
            envelope("ErrorItemNotFound", "The specified object was not found in the store."),
            MeetingGone,
            True,
        ),
        (
            404,
            envelope("ErrorInvalidUser", "The requested user 'x' is invalid."),
            ProviderError,
            True,
        ),
        (
            404,
            envelope("MailboxNotEnabledForRESTAPI", "The mailbox is inactive"),
            CapabilityMissing,
            True,
        ),
        (
            400,
            envelope("BadRequest", "/me request is only valid with delegated authentication flow."),
            ProviderError,
            True,
        ),
        (
            400,
            envelope("ErrorInvalidRecipients", "At least one recipient isn't valid."),
            ProviderError,
            True,
        ),
        (409, envelope("ErrorIrresolvableConflict", "changeKey"), ProviderError, False),
        (412, envelope("ErrorIrresolvableConflict"), ProviderError, False),
        (500, "<html>Bad gateway</html>", ProviderError, False),
        (504, None, ProviderError, False),
        (429, None, RateLimited, False),
        (
            401,
            envelope("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
            AuthenticationError,
            True,
        ),
    ],
)
def test_graph_errors_map_to_the_right_kind(
    status: int, body: Any, kind: type[ProviderError], permanent: bool
) -> None:
    error = graph_error(graph_response(status, body), action="create the Teams meeting")

    assert type(error) is kind
    assert error.permanent is permanent and error.status == status


def test_a_503_with_retry_after_is_transient_and_keeps_the_delay() -> None:
    error = graph_error(
        graph_response(503, envelope("serviceNotAvailable"), {"Retry-After": "7"}), action="x"
    )

    assert not error.permanent and error.retry_after == 7.0


@pytest.mark.parametrize("body", ["<xml>not json</xml>", {"subject": "no id"}, ["a", "list"]])
def test_a_malformed_success_is_transient(body: Any) -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if isinstance(body, str):
            return httpx2.Response(201, text=body)
        return httpx2.Response(201, json=body)

    provider = MicrosoftTeamsProvider(
        http=httpx2.Client(base_url="https://graph.test", transport=httpx2.MockTransport(answer))
    )

    with pytest.raises(ProviderError) as failed:
        provider.create(spec())

    assert not failed.value.permanent and "Microsoft Graph answered without" in str(failed.value)


# -- OAuth ------------------------------------------------------------------------------------
def test_the_authorization_url_asks_for_the_scopes_pkce_and_the_account_picker(
    fake: FakeServer,
) -> None:
    app = delegated_app(fake, tenant="organizations")

    url = oauth.authorization_url(app, redirect_uri=REDIRECT_URI, state="s", code_verifier="v" * 64)

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == "/organizations/oauth2/v2.0/authorize"
    assert query["scope"][0].split() == [
        "offline_access",
        "Calendars.ReadWrite",
        "OnlineMeetings.ReadWrite",
        "User.Read",
    ]
    assert query["prompt"] == ["select_account"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert app.token_url == f"{fake.url}/organizations/oauth2/v2.0/token"


def test_the_code_flow_through_the_consent_page_connects_the_account(fake: FakeServer) -> None:
    tokens = connect(fake, "dave@example.com")

    assert tokens.access_token and tokens.refresh_token
    assert "Calendars.ReadWrite" in tokens.scope.split()
    assert state(fake)["token_grants"] == {"authorization_code": 1}
    assert "dave@example.com" in state(fake)["users"]


def test_denying_consent_redirects_with_access_denied(fake: FakeServer) -> None:
    query, _, state_value = consent(
        fake, delegated_app(fake), email="alice@example.com", button="Deny"
    )

    assert query["error"] == ["access_denied"] and query["state"] == [state_value]
    assert "code" not in query


def test_a_code_cannot_be_redeemed_with_the_wrong_verifier(fake: FakeServer) -> None:
    app = delegated_app(fake)
    query, _, _ = consent(fake, app, email="alice@example.com")

    with pytest.raises(AuthenticationError) as refused:
        oauth.exchange_code(
            app, code=query["code"][0], redirect_uri=REDIRECT_URI, code_verifier="w" * 64
        )

    assert refused.value.code == "invalid_grant" and "AADSTS50148" in str(refused.value)


def test_a_refresh_rotates_the_refresh_token_and_the_old_one_stays_valid(fake: FakeServer) -> None:
    app = delegated_app(fake)
    tokens = connect(fake)
    assert tokens.refresh_token

    renewed = oauth.refresh(app, tokens.refresh_token)
    again = oauth.refresh(app, tokens.refresh_token)

    assert renewed.refresh_token and renewed.refresh_token != tokens.refresh_token
    assert again.access_token != renewed.access_token
    assert state(fake)["token_grants"]["refresh_token"] == 2


def test_without_offline_access_there_is_no_refresh_token(fake: FakeServer) -> None:
    app = delegated_app(fake)
    narrow = dataclasses.replace(app, scopes=("Calendars.ReadWrite", "User.Read"))
    query, verifier, _ = consent(fake, narrow, email="alice@example.com")

    tokens = oauth.exchange_code(
        narrow, code=query["code"][0], redirect_uri=REDIRECT_URI, code_verifier=verifier
    )

    assert tokens.access_token and tokens.refresh_token is None


def test_the_app_only_grant_uses_client_credentials_without_a_refresh_token(
    fake: FakeServer,
) -> None:
    tokens = AppOnlySource(fake).tokens

    assert tokens.access_token and tokens.refresh_token is None
    assert state(fake)["token_grants"] == {"client_credentials": 1}


def test_the_app_only_grant_needs_a_real_tenant(fake: FakeServer) -> None:
    with pytest.raises(ProviderError) as refused:
        auth.app_token(
            login_url=fake.url, tenant_id="common", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
        )

    assert refused.value.permanent and "tenant" in str(refused.value)
    assert state(fake)["token_grants"] == {}


def test_the_app_only_grant_with_a_wrong_secret_is_an_authentication_error(
    fake: FakeServer,
) -> None:
    with pytest.raises(AuthenticationError) as refused:
        auth.app_token(
            login_url=fake.url,
            tenant_id=fake.app.tenant_id,  # type: ignore[attr-defined]
            client_id=CLIENT_ID,
            client_secret="wrong-secret",
        )

    assert refused.value.code == "invalid_client" and "wrong-secret" not in str(refused.value)


# -- identify ---------------------------------------------------------------------------------
def test_identify_a_work_account_finds_no_problems(fake: FakeServer) -> None:
    source = RefreshingSource(delegated_app(fake), connect(fake, "alice@example.com"))

    who = auth.identify(graph_client(fake, source), app_only=False)

    assert who.email == "alice@example.com" and who.problems == ()
    assert who.external_id == state(fake)["users"]["alice@example.com"]["id"]
    assert who.name == "Alice"


def test_identify_a_personal_account_says_it_cannot_make_teams_meetings(fake: FakeServer) -> None:
    source = RefreshingSource(delegated_app(fake), connect(fake, "pat@outlook.com"))

    who = auth.identify(graph_client(fake, source), app_only=False)

    assert who.email == "pat@outlook.com"
    assert who.problems == (
        "personal Microsoft accounts cannot create Teams meetings; "
        "connect a work or school account",
    )


def test_identify_app_only_without_a_teams_policy_names_the_policy_to_grant(
    fake: FakeServer,
) -> None:
    http = graph_client(fake, AppOnlySource(fake))

    who = auth.identify(http, app_only=True, host_email="bob@example.com")

    assert who.email == "bob@example.com"
    [problem] = who.problems
    assert "Grant-CsApplicationAccessPolicy" in problem and "bob@example.com" in problem


def test_identify_app_only_with_a_teams_policy_finds_no_problems(fake: FakeServer) -> None:
    control(fake, "teams-policy", {"email": "bob@example.com", "granted": True})
    http = graph_client(fake, AppOnlySource(fake))

    who = auth.identify(http, app_only=True, host_email="bob@example.com")

    assert who.problems == ()
    assert who.external_id == state(fake)["users"]["bob@example.com"]["id"]


def test_identify_app_only_needs_a_host_email(fake: FakeServer) -> None:
    with pytest.raises(ProviderError) as refused:
        auth.identify(graph_client(fake, AppOnlySource(fake)), app_only=True)

    assert refused.value.permanent


def test_identify_app_only_of_an_unknown_user_is_a_permanent_error(fake: FakeServer) -> None:
    with pytest.raises(ProviderError) as refused:
        auth.identify(
            graph_client(fake, AppOnlySource(fake)), app_only=True, host_email="nobody@example.com"
        )

    assert refused.value.permanent and not isinstance(refused.value, MeetingGone)


def test_identify_a_work_account_without_teams_says_what_is_missing(fake: FakeServer) -> None:
    control(fake, "users", {"email": "frank@example.com", "teams": False})
    provider, source = teams(fake, "frank@example.com")

    who = auth.identify(graph_client(fake, source), app_only=False)
    with pytest.raises(CapabilityMissing):
        provider.create(spec())

    [problem] = who.problems
    assert "Teams meetings are not enabled for frank@example.com" in problem
    assert "Teams license" in problem
    assert live_events(fake, "frank@example.com") == []


def test_a_user_marked_personal_through_the_fake_is_treated_as_personal(fake: FakeServer) -> None:
    marked = control(fake, "users", {"email": "gina@example.com", "personal": True})
    source = RefreshingSource(delegated_app(fake), connect(fake, "gina@example.com"))

    who = auth.identify(graph_client(fake, source), app_only=False)

    assert len(marked["id"]) == 16 and who.external_id == marked["id"]
    assert who.problems == (auth.PERSONAL_ACCOUNT_PROBLEM,)


# -- the fake's own rules -------------------------------------------------------------------
def test_the_consent_page_refuses_an_unknown_client_without_redirecting(fake: FakeServer) -> None:
    app = delegated_app(fake, client_id="someone-else")
    url = oauth.authorization_url(app, redirect_uri=REDIRECT_URI, state="s", code_verifier="v" * 64)

    page = httpx2.get(url)

    assert page.status_code == 400 and "AADSTS700016" in page.text
    assert "location" not in page.headers


def test_a_personal_account_cannot_sign_in_through_a_work_tenant(fake: FakeServer) -> None:
    app = delegated_app(fake, tenant="organizations")

    answer, _, _ = submit_consent(app, email="pat@outlook.com")

    assert answer.status_code == 400 and "AADSTS50020" in answer.text
    assert "location" not in answer.headers  # no code goes anywhere
    assert state(fake)["token_grants"] == {}


def test_a_code_can_be_redeemed_only_once(fake: FakeServer) -> None:
    app = delegated_app(fake)
    query, verifier, _ = consent(fake, app, email="alice@example.com")
    code = query["code"][0]
    oauth.exchange_code(app, code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier)

    with pytest.raises(AuthenticationError) as refused:
        oauth.exchange_code(app, code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier)

    assert "AADSTS54005" in str(refused.value)


def test_faults_repeat_exactly_with_the_same_seed(fake: FakeServer) -> None:
    provider, _ = teams(fake)

    def run() -> list[bool]:
        control(fake, "faults", {"seed": 99, "server_error_rate": 0.5})
        outcomes = []
        for _ in range(20):
            try:
                provider.create(spec())
                outcomes.append(True)
            except ProviderError:
                outcomes.append(False)
        return outcomes

    first = run()
    assert first == run()
    assert True in first and False in first


def test_the_fakes_schedule_has_availability_digits(fake: FakeServer) -> None:
    _, source = teams(fake)
    busy_block(fake, "alice@example.com", "2026-03-10T08:30:00Z", "2026-03-10T09:00:00Z", "busy")
    busy_block(fake, "alice@example.com", "2026-03-10T09:00:00Z", "2026-03-10T09:30:00Z", "oof")
    body = {
        "schedules": ["alice@example.com", "nobody@example.com"],
        "startTime": {"dateTime": "2026-03-10T08:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2026-03-10T10:00:00", "timeZone": "UTC"},
        "availabilityViewInterval": 30,
    }

    answer = httpx2.post(
        f"{fake.url}/v1.0/me/calendar/getSchedule",
        json=body,
        headers={"Authorization": f"Bearer {source.token()}"},
    )

    alice, nobody = answer.json()["value"]
    assert alice["availabilityView"] == "0230"
    assert [i["status"] for i in alice["scheduleItems"]] == ["busy", "oof"]
    assert nobody["error"]["responseCode"] == "ErrorMailRecipientNotFound"


# -- pure parts -------------------------------------------------------------------------------
def test_busy_intervals_fall_back_to_the_availability_view() -> None:
    from convener.providers.microsoft_teams.schedule import busy_intervals

    start = utc("2026-03-10T08:00:00Z")
    data = {"value": [{"scheduleId": "a@example.com", "availabilityView": "0120"}]}

    found = busy_intervals(data, "a@example.com", start, start + timedelta(hours=1))

    assert found == [
        BusyInterval(start + timedelta(minutes=15), start + timedelta(minutes=30)),
        BusyInterval(start + timedelta(minutes=30), start + timedelta(minutes=45)),
    ]


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (
            datetime(2026, 7, 1, 9, 0, tzinfo=BERLIN),
            "Europe/Berlin",
            {"dateTime": "2026-07-01T09:00:00", "timeZone": "Europe/Berlin"},
        ),
        (
            datetime(2026, 7, 1, 9, 0, tzinfo=BERLIN),
            "America/New_York",
            {"dateTime": "2026-07-01T03:00:00", "timeZone": "America/New_York"},
        ),
        (
            datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=0),
            "Europe/Berlin",
            {"dateTime": "2026-10-25T02:30:00", "timeZone": "Europe/Berlin"},
        ),
        (
            datetime(2026, 7, 1, 9, 0, tzinfo=BERLIN),
            "Mars/Olympus_Mons",
            {"dateTime": "2026-07-01T07:00:00", "timeZone": "UTC"},
        ),
    ],
)
def test_graph_times_are_wall_times_in_the_planned_zone(
    instant: datetime, zone: str, expected: dict[str, str]
) -> None:
    from convener.providers.microsoft_teams.times import graph_time, parse_graph_time

    sent = graph_time(instant, zone)

    assert sent == expected
    # (astimezone: Python never calls an ambiguous wall time equal to another zone's time)
    assert parse_graph_time(sent) == instant.astimezone(UTC)
