"""Zoom provider against the fake Zoom over real HTTP on 127.0.0.1.

Every account here is connected the way a person connects one: the OAuth consent page
of the fake, the code exchanged for tokens, and refreshes through the token endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convener.providers import oauth
from convener.providers.base import (
    AuthenticationError,
    CapabilityMissing,
    MeetingGone,
    MeetingSpec,
    Person,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)
from convener.providers.http import BearerAuth, make_client, seconds_until_utc_midnight
from convener.providers.oauth import OAuthApp, TokenSet
from convener.providers.registry import provider_class
from convener.providers.zoom import auth
from convener.providers.zoom.errors import error_from_response, read_error
from convener.providers.zoom.provider import (
    AGENDA_LIMIT,
    TOPIC_LIMIT,
    ZoomProvider,
    agenda_for,
    marker,
)
from fakeproviders.harness import FakeServer
from fakeproviders.zoom import (
    ACCOUNT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    DAILY_MESSAGE,
    S2S_CLIENT_ID,
    S2S_CLIENT_SECRET,
    FakeZoom,
)

REDIRECT_URI = "http://127.0.0.1:8000/connections/zoom/callback"
BERLIN = ZoneInfo("Europe/Berlin")


# -- fixtures and helpers ------------------------------------------------------------
@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeZoom()) as running:
        yield running


@pytest.fixture
def fake(server: FakeServer) -> FakeZoom:
    app = server.app
    assert isinstance(app, FakeZoom)
    app.reset()
    return app


def control(server: FakeServer, action: str, body: dict[str, Any] | None = None) -> Any:
    response = httpx2.post(f"{server.url}/_fake/{action}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def fake_state(server: FakeServer) -> dict[str, Any]:
    state: dict[str, Any] = httpx2.get(f"{server.url}/_fake/state").json()
    return state


def calls(server: FakeServer) -> dict[str, int]:
    counts: dict[str, int] = httpx2.get(f"{server.url}/_fake/calls").json()
    return counts


def zoom_app(server: FakeServer, secret: str = CLIENT_SECRET) -> OAuthApp:
    return auth.oauth_app(
        client_id=CLIENT_ID,
        client_secret=secret,
        authorize_url=auth.authorize_endpoint(server.url),
        token_url=auth.token_endpoint(server.url),
    )


class ConsentForm(HTMLParser):
    """The form on the consent page: its action, fields and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.title = ""
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}  # text -> (name, value)
        self._in_title = False
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""))
        elif tag == "title":
            self._in_title = True

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self.buttons[data.strip()] = self._button
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None
        if tag == "title":
            self._in_title = False


def consent(server: FakeServer, *, email: str = "", button: str = "Allow") -> dict[str, Any]:
    """Open the consent page like a browser, press a button; the callback's query."""
    verifier = oauth.new_code_verifier()
    url = oauth.authorization_url(
        zoom_app(server), redirect_uri=REDIRECT_URI, state="the-state", code_verifier=verifier
    )
    page = httpx2.get(url)
    assert page.status_code == 200, page.text
    form = ConsentForm()
    form.feed(page.text)
    fields = dict(form.fields)
    if email:
        fields["email"] = email
    name, value = form.buttons[button]
    fields[name] = value
    answer = httpx2.post(f"{server.url}{form.action}", data=fields)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return {"query": query, "verifier": verifier, "form": form, "url": url}


def connect(server: FakeServer, email: str = "alice@example.com") -> TokenSet:
    flow = consent(server, email=email)
    return oauth.exchange_code(
        zoom_app(server),
        code=flow["query"]["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=flow["verifier"],
    )


class UserTokens:
    """What `connections` does for a user's connection: refresh under a lock, store the
    rotated refresh token before anyone uses it."""

    def __init__(self, app: OAuthApp, tokens: TokenSet) -> None:
        self.app = app
        self.tokens = tokens
        self.lock = threading.Lock()

    def token(self) -> str:
        with self.lock:
            if self.tokens.expires_within(60):
                self._refresh()
            return self.tokens.access_token

    def refresh(self, rejected: str) -> str:
        with self.lock:
            if self.tokens.access_token == rejected:  # nobody refreshed since: our turn
                self._refresh()
            return self.tokens.access_token

    def _refresh(self) -> None:
        assert self.tokens.refresh_token
        self.tokens = oauth.refresh(self.app, self.tokens.refresh_token)


class AccountTokens:
    """A Server-to-Server connection: no refresh token, a new grant when refused."""

    def __init__(self, server: FakeServer, account_id: str = ACCOUNT_ID) -> None:
        self.server = server
        self.account_id = account_id
        self.current: TokenSet | None = None

    def _grant(self) -> str:
        self.current = auth.server_to_server_token(
            oauth_url=self.server.url,
            account_id=self.account_id,
            client_id=S2S_CLIENT_ID,
            client_secret=S2S_CLIENT_SECRET,
        )
        return self.current.access_token

    def token(self) -> str:
        if self.current is None or self.current.expires_within(60):
            return self._grant()
        return self.current.access_token

    def refresh(self, rejected: str) -> str:
        return self._grant()


class FixedToken:
    def __init__(self, value: str) -> None:
        self.value = value
        self.refreshed = 0

    def token(self) -> str:
        return self.value

    def refresh(self, rejected: str) -> str:
        self.refreshed += 1
        return self.value


def client(server: FakeServer, source: Any) -> httpx2.Client:
    return make_client(server.url, timeout=5.0, auth=BearerAuth(source))


@pytest.fixture
def alice(server: FakeServer, fake: FakeZoom) -> UserTokens:
    return UserTokens(zoom_app(server), connect(server))


@pytest.fixture
def zoom(server: FakeServer, alice: UserTokens) -> ZoomProvider:
    return ZoomProvider(http=client(server, alice))


@pytest.fixture
def org(server: FakeServer, fake: FakeZoom) -> ZoomProvider:
    return ZoomProvider(http=client(server, AccountTokens(server)), app_only=True)


def key(n: int) -> str:
    return f"meet{n:026d}"


def make_spec(n: int = 1, **changes: Any) -> MeetingSpec:
    start = datetime(2030, 6, 10, 15, 0, tzinfo=BERLIN)
    values: dict[str, Any] = {
        "key": key(n),
        "title": "Intro call with Dana",
        "start": start,
        "end": start + timedelta(minutes=45),
        "timezone": "Europe/Berlin",
        "description": "Talk about the renewal.",
        "host": Person("alice@example.com", "Alice"),
        "passcode": "s3cret*",
    }
    values.update(changes)
    return MeetingSpec(**values)


def live(server: FakeServer) -> list[dict[str, Any]]:
    return [m for m in fake_state(server)["meetings"] if not m["deleted"]]


def mock_zoom(handler: Callable[[httpx2.Request], httpx2.Response]) -> ZoomProvider:
    http = make_client(
        "https://api.zoom.test", timeout=1.0, transport=httpx2.MockTransport(handler)
    )
    return ZoomProvider(http=http)


# -- create, update, cancel, read ----------------------------------------------------
def test_it_is_registered_with_truthful_capabilities() -> None:
    assert provider_class("zoom") is ZoomProvider
    caps = ZoomProvider.capabilities
    assert caps.daily_writes_per_host == 100
    assert caps.passcode and not caps.idempotent_create
    assert not caps.calendar_event and not caps.free_busy


def test_it_creates_a_meeting_with_the_time_zone_passcode_and_marker(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    info = zoom.create(make_spec())

    [meeting] = live(server)
    assert meeting["host_email"] == "alice@example.com"
    assert meeting["start_time"] == "2030-06-10T13:00:00Z"  # 15:00 in Berlin, summer time
    assert meeting["duration"] == 45
    assert meeting["timezone"] == "Europe/Berlin"
    assert meeting["topic"] == "Intro call with Dana"
    assert meeting["agenda"] == f"Talk about the renewal.\n\n[convener:{key(1)}]"
    assert meeting["password"] == "s3cret*"
    assert meeting["settings"]["waiting_room"] is True
    assert meeting["settings"]["join_before_host"] is False
    assert info.meeting_id == str(meeting["id"])
    assert info.join_url.startswith(f"{server.url}/j/{meeting['id']}?pwd=")
    assert info.passcode == "s3cret*"
    assert info.conference_id == str(meeting["id"])
    assert info.dial_in and "+1 646 558 8656" in info.dial_in[0]
    assert info.extra["uuid"] == meeting["uuid"]
    assert httpx2.get(info.join_url).status_code == 200  # the link opens the meeting


def test_it_never_keeps_the_hosts_start_url(zoom: ZoomProvider) -> None:
    info = zoom.create(make_spec())
    text = repr(info) + repr(zoom.refresh_info(info.meeting_id))
    assert "/s/" not in text and "zak=" not in text and "start_url" not in text


def test_it_trims_the_topic_and_the_description_but_keeps_the_marker(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    zoom.create(make_spec(title="T" * 500, description="D" * 5000))
    [meeting] = live(server)
    assert len(meeting["topic"]) == TOPIC_LIMIT and meeting["topic"].endswith("…")
    assert len(meeting["agenda"]) <= AGENDA_LIMIT
    assert meeting["agenda"].endswith(marker(key(1)))


@given(title=st.text(max_size=600), description=st.text(max_size=4000))
def test_agendas_always_fit_and_end_with_the_marker(title: str, description: str) -> None:
    agenda = agenda_for(make_spec(title=title, description=description))
    assert len(agenda) <= AGENDA_LIMIT
    assert agenda.endswith(marker(key(1)))


@pytest.mark.parametrize("passcode", ["12345678901", "has space", "pass!", "ünï"])
def test_it_refuses_a_passcode_zoom_would_refuse_before_calling_zoom(
    server: FakeServer, zoom: ZoomProvider, passcode: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        zoom.create(make_spec(passcode=passcode))
    assert caught.value.permanent and caught.value.code == "invalid_passcode"
    assert "passcode" in caught.value.message
    assert not [name for name in calls(server) if name.startswith("POST create_meeting")]


def test_a_meeting_without_a_passcode_gets_the_one_zoom_generates(zoom: ZoomProvider) -> None:
    info = zoom.create(make_spec(passcode=""))
    assert info.passcode.isdigit() and len(info.passcode) == 6


def test_it_refuses_an_end_before_the_start(zoom: ZoomProvider) -> None:
    spec = make_spec()
    with pytest.raises(ProviderError, match="end"):
        zoom.create(make_spec(end=spec.start - timedelta(minutes=1)))


def test_it_updates_with_a_204_then_reads_the_meeting_back(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    first = zoom.create(make_spec())
    later = datetime(2030, 11, 5, 9, 30, tzinfo=BERLIN)  # winter time now
    info = zoom.update(
        first.meeting_id, make_spec(start=later, end=later + timedelta(hours=1), title="Moved")
    )
    [meeting] = live(server)
    assert meeting["start_time"] == "2030-11-05T08:30:00Z"
    assert meeting["duration"] == 60 and meeting["topic"] == "Moved"
    assert info.meeting_id == first.meeting_id and info.join_url == first.join_url
    assert calls(server)["PATCH update_meeting 204"] == 1


def test_updating_a_meeting_deleted_in_zoom_raises_meeting_gone(zoom: ZoomProvider) -> None:
    info = zoom.create(make_spec())
    zoom.cancel(info.meeting_id)
    with pytest.raises(MeetingGone):
        zoom.update(info.meeting_id, make_spec())
    with pytest.raises(MeetingGone):
        zoom.refresh_info(info.meeting_id)


def test_it_cancels_and_an_already_gone_meeting_counts_as_cancelled(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    info = zoom.create(make_spec())
    zoom.cancel(info.meeting_id)
    [meeting] = fake_state(server)["meetings"]
    assert meeting["deleted"] is True
    assert httpx2.get(info.join_url).status_code == 404
    zoom.cancel(info.meeting_id)
    zoom.cancel("99999999999")


def test_refresh_info_reads_the_link_again(zoom: ZoomProvider) -> None:
    info = zoom.create(make_spec())
    again = zoom.refresh_info(info.meeting_id)
    assert (again.join_url, again.passcode) == (info.join_url, info.passcode)


def test_free_busy_is_a_missing_capability(zoom: ZoomProvider) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(CapabilityMissing):
        zoom.free_busy(Person("alice@example.com"), start, start + timedelta(days=1))


# -- Server-to-Server accounts ---------------------------------------------------------
def test_an_organization_account_creates_for_the_host_by_email(
    server: FakeServer, org: ZoomProvider
) -> None:
    org.create(make_spec(host=Person("bob@example.com")))
    [meeting] = live(server)
    assert meeting["host_email"] == "bob@example.com"


def test_an_organization_account_escapes_the_hosts_email(
    server: FakeServer, fake: FakeZoom, org: ZoomProvider
) -> None:
    fake.add_user("dana+zoom@example.com")
    org.create(make_spec(host=Person("dana+zoom@example.com")))
    [meeting] = live(server)
    assert meeting["host_email"] == "dana+zoom@example.com"


def test_an_organization_account_needs_a_host(server: FakeServer, org: ZoomProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        org.create(make_spec(host=None))
    assert caught.value.permanent and caught.value.code == "host_missing"
    assert fake_state(server)["grants"] == {}  # refused before any call


def test_an_unknown_host_is_a_permanent_error_naming_the_host(org: ZoomProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        org.create(make_spec(host=Person("nobody@example.com")))
    assert caught.value.permanent and caught.value.code == "1001"
    assert "nobody@example.com" in caught.value.message


def test_a_host_who_may_not_host_is_a_missing_capability(fake: FakeZoom, org: ZoomProvider) -> None:
    fake.add_user("bob@example.com", can_host=False)
    with pytest.raises(CapabilityMissing, match=r"bob@example\.com"):
        org.create(make_spec(host=Person("bob@example.com")))


def test_server_to_server_tokens_have_no_refresh_token_and_coexist(
    server: FakeServer, fake: FakeZoom
) -> None:
    tokens = [AccountTokens(server) for _ in range(2)]
    for source in tokens:
        source.token()
    assert all(t.current and t.current.refresh_token is None for t in tokens)
    for source in tokens:  # both still valid
        identity = auth.identify(
            client(server, source), app_only=True, host_email="bob@example.com"
        )
        assert identity.email == "bob@example.com"
    assert fake_state(server)["grants"] == {"account_credentials": 2}


def test_a_wrong_account_id_is_an_authentication_error(server: FakeServer, fake: FakeZoom) -> None:
    with pytest.raises(AuthenticationError, match="account ID"):
        AccountTokens(server, account_id="someone-else").token()


def test_server_to_server_tokens_cannot_use_me(server: FakeServer, fake: FakeZoom) -> None:
    with pytest.raises(ProviderError) as caught:
        auth.identify(client(server, AccountTokens(server)), app_only=False)
    assert caught.value.permanent and "user-level" in caught.value.message


# -- idempotency -------------------------------------------------------------------------
def test_a_create_retried_after_a_dropped_answer_makes_one_meeting(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    control(server, "faults", {"drop_after_commit_rate": 1.0})
    with pytest.raises(ProviderError) as caught:
        zoom.create(make_spec())
    assert not caught.value.permanent
    control(server, "faults", {"drop_after_commit_rate": 0.0})

    info = zoom.create(make_spec(), reconcile=True)

    [meeting] = live(server)
    assert info.meeting_id == str(meeting["id"])
    assert info.passcode == "s3cret*"
    assert calls(server)["POST create_meeting 201"] == 1


def test_reconciliation_follows_page_tokens_to_find_the_meeting(
    server: FakeServer, fake: FakeZoom, zoom: ZoomProvider
) -> None:
    first = zoom.create(make_spec())  # in 2030: sorts after the others
    for n in range(650):
        fake.add_meeting("alice@example.com", agenda=f"[convener:{key(1000 + n)}]")

    again = zoom.create(make_spec(), reconcile=True)

    assert again.meeting_id == first.meeting_id
    assert fake_state(server)["live_meetings_by_key"][key(1)] == 1
    assert calls(server)["GET list_meetings 200"] == 3  # 300 + 300 + 51


def test_reconciliation_brings_a_found_meeting_up_to_date(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    first = zoom.create(make_spec())
    moved = datetime(2030, 6, 11, 10, 0, tzinfo=BERLIN)
    again = zoom.create(make_spec(start=moved, end=moved + timedelta(minutes=30)), reconcile=True)
    [meeting] = live(server)
    assert again.meeting_id == first.meeting_id
    assert (meeting["start_time"], meeting["duration"]) == ("2030-06-11T08:00:00Z", 30)


def test_reconciliation_creates_when_no_meeting_carries_the_marker(
    server: FakeServer, fake: FakeZoom, zoom: ZoomProvider
) -> None:
    fake.add_meeting("alice@example.com", agenda="someone else's meeting")
    zoom.create(make_spec(), reconcile=True)
    assert fake_state(server)["live_meetings_by_key"] == {key(1): 1}


def test_random_failures_and_retries_leave_exactly_one_meeting_per_key(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    control(server, "options", {"daily_limit": 100_000})
    control(
        server,
        "faults",
        {"server_error_rate": 0.2, "drop_after_commit_rate": 0.1, "seed": 20300610},
    )
    for n in range(200):
        for attempt in range(30):
            try:
                zoom.create(make_spec(n), reconcile=attempt > 0)
                break
            except ProviderError as exc:
                assert not exc.permanent, exc.message
        else:
            pytest.fail(f"meeting {n} never got created")
    control(server, "faults", {"server_error_rate": 0.0, "drop_after_commit_rate": 0.0})

    state = fake_state(server)
    assert state["live_meetings_by_key"] == {key(n): 1 for n in range(200)}
    assert len(state["meetings"]) == 200
    happened = calls(server)
    assert happened["dropped_after_commit"] > 5  # the ambiguous failure really occurred
    assert sum(v for k, v in happened.items() if k.endswith(" 500")) > 20


# -- limits ------------------------------------------------------------------------------
def test_the_daily_cap_counts_creates_and_updates_and_waits_for_utc_midnight(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    control(server, "options", {"daily_limit": 2})
    # Noon of today: the counter cannot roll over mid-test, and the fake's Retry-After
    # (its next midnight) is still the real next midnight.
    control(server, "clock", {"now": f"{datetime.now(UTC).date()}T12:00:00Z"})
    info = zoom.create(make_spec(1))
    zoom.update(info.meeting_id, make_spec(1, title="Renamed"))
    with pytest.raises(QuotaExhausted) as caught:
        zoom.create(make_spec(2))
    error = caught.value
    assert not error.permanent and error.status == 429 and error.code == "daily_limit"
    assert error.message == (
        "Zoom daily limit of 2 creates/updates for host alice@example.com reached; "
        "resumes at 00:00 UTC"
    )
    assert error.retry_after == pytest.approx(seconds_until_utc_midnight(), abs=5)
    zoom.cancel(info.meeting_id)  # deletes are not counted


def test_the_older_http_300_daily_cap_without_headers_is_a_quota(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    control(
        server,
        "options",
        {"daily_limit": 0, "legacy_daily_status": True, "rate_limit_headers": False},
    )
    with pytest.raises(QuotaExhausted) as caught:
        zoom.create(make_spec())
    assert caught.value.status == 300
    assert caught.value.retry_after == pytest.approx(seconds_until_utc_midnight(), abs=5)


def test_the_daily_cap_resets_at_midnight_utc_by_the_fakes_clock(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    control(server, "options", {"daily_limit": 1})
    control(server, "clock", {"now": "2030-03-04T23:59:00Z"})
    zoom.create(make_spec(1))  # the access token looks expired in 2030: one refresh first
    with pytest.raises(QuotaExhausted):
        zoom.create(make_spec(2))
    control(server, "clock", {"advance_seconds": 61})
    zoom.create(make_spec(2))
    state = fake_state(server)
    assert state["daily_writes"] == {"alice@example.com": {"2030-03-04": 1, "2030-03-05": 1}}
    assert state["refreshes"] == 1


def test_a_daily_retry_after_timestamp_gives_the_seconds_until_it() -> None:
    response = httpx2.Response(
        429,
        json={"code": 429, "message": DAILY_MESSAGE.format(limit=100)},
        headers={"Retry-After": "2030-03-05T00:00:00Z", "X-RateLimit-Type": "Daily-limit"},
    )
    error = error_from_response(
        response, action="create", host="a@b.c", now=datetime(2030, 3, 4, 23, 59, tzinfo=UTC)
    )
    assert isinstance(error, QuotaExhausted) and error.retry_after == 60.0
    assert "limit of 100" in error.message


def test_the_accounts_daily_api_limit_is_not_blamed_on_the_host() -> None:
    response = httpx2.Response(
        429,
        json={
            "code": 429,
            "message": "You have reached the maximum daily rate limit for this API. Refer to "
            "the response header for details on when you can make the next request.",
        },
    )
    now = datetime(2030, 3, 4, 18, 0, tzinfo=UTC)
    error = error_from_response(response, action="create", host="a@b.c", now=now)
    assert isinstance(error, QuotaExhausted) and error.code == "account_daily_limit"
    assert "a@b.c" not in error.message and error.retry_after == 6 * 3600


@pytest.mark.parametrize(("headers", "expected"), [(True, 1.0), (False, None)])
def test_the_per_second_limit_is_rate_limited_with_retry_after_when_sent(
    server: FakeServer, zoom: ZoomProvider, headers: bool, expected: float | None
) -> None:
    info = zoom.create(make_spec())
    control(server, "options", {"rate_limit_headers": headers})
    control(server, "faults", {"rate_limit_per_second": 1})
    with pytest.raises(RateLimited) as caught:
        for _ in range(3):
            zoom.refresh_info(info.meeting_id)
    assert caught.value.retry_after == expected and not caught.value.permanent
    assert "per second" in caught.value.message


# -- tokens ------------------------------------------------------------------------------
def test_an_expired_access_token_is_refreshed_once_and_the_call_retried(
    server: FakeServer, zoom: ZoomProvider, alice: UserTokens
) -> None:
    before = alice.tokens.refresh_token
    control(server, "expire-access-tokens")
    zoom.create(make_spec())
    assert fake_state(server)["refreshes"] == 1
    assert alice.tokens.refresh_token != before
    assert len(live(server)) == 1


def test_refresh_tokens_rotate_and_the_previous_one_dies_at_once(
    server: FakeServer, alice: UserTokens
) -> None:
    old = alice.tokens.refresh_token
    assert old
    new = oauth.refresh(alice.app, old)
    assert new.refresh_token and new.refresh_token != old
    with pytest.raises(AuthenticationError) as caught:
        oauth.refresh(alice.app, old)
    assert caught.value.code == "invalid_grant"


def test_concurrent_refreshes_under_the_lock_reach_zoom_once(
    server: FakeServer, alice: UserTokens
) -> None:
    rejected = alice.tokens.access_token
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(alice.refresh(rejected))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and results[0] != rejected
    assert fake_state(server)["refreshes"] == 1


def test_a_revoked_connection_is_an_authentication_error(
    server: FakeServer, zoom: ZoomProvider
) -> None:
    control(server, "revoke", {"email": "alice@example.com"})
    with pytest.raises(AuthenticationError) as caught:
        zoom.create(make_spec())
    assert caught.value.permanent and caught.value.code == "invalid_grant"
    assert live(server) == []


def test_a_token_refused_after_its_refresh_is_an_authentication_error(
    server: FakeServer, fake: FakeZoom
) -> None:
    source = FixedToken("not-a-zoom-token")
    with pytest.raises(AuthenticationError) as caught:
        ZoomProvider(http=client(server, source)).create(make_spec())
    assert source.refreshed == 1 and caught.value.code == "124"
    assert "reconnect" in caught.value.message


@pytest.mark.parametrize("status", [400, 401])
def test_a_token_without_the_meeting_scope_says_which_scope_to_grant(
    server: FakeServer, fake: FakeZoom, status: int
) -> None:
    control(server, "options", {"user_scopes": "user:read", "scope_error_status": status})
    zoom = ZoomProvider(http=client(server, UserTokens(zoom_app(server), connect(server))))
    with pytest.raises(AuthenticationError) as caught:
        zoom.create(make_spec())
    assert "meeting:write" in caught.value.message and caught.value.code == "4700"


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("xml", [0.0, 1.0])
def test_server_errors_in_json_or_xml_are_transient(
    server: FakeServer, zoom: ZoomProvider, xml: float
) -> None:
    control(server, "options", {"xml_server_errors": xml})
    control(server, "faults", {"server_error_rate": 1.0})
    with pytest.raises(ProviderError) as caught:
        zoom.create(make_spec())
    assert not caught.value.permanent
    assert (caught.value.status, caught.value.code) == (500, "500")


def test_api_errors_in_xml_are_understood(server: FakeServer, zoom: ZoomProvider) -> None:
    control(server, "options", {"xml_errors": True})
    with pytest.raises(MeetingGone):
        zoom.refresh_info("81000000001")
    with pytest.raises(ProviderError) as caught:
        zoom.create(make_spec(timezone="Mars/Olympus_Mons"))
    assert caught.value.permanent and caught.value.code == "300"


def test_validation_errors_name_the_field(zoom: ZoomProvider) -> None:
    with pytest.raises(ProviderError) as caught:
        zoom.create(make_spec(timezone="Mars/Olympus_Mons"))
    assert caught.value.permanent and "timezone" in caught.value.message


@pytest.mark.parametrize(
    ("response", "kind", "permanent"),
    [
        (
            httpx2.Response(400, json={"reason": "Invalid Token!", "error": "invalid_grant"}),
            ProviderError,
            True,
        ),
        (
            httpx2.Response(401, json={"reason": "Invalid client", "error": "invalid_client"}),
            AuthenticationError,
            True,
        ),
        (
            httpx2.Response(
                400, json={"code": 3000, "message": "You cannot schedule a meeting for x@y.z."}
            ),
            CapabilityMissing,
            True,
        ),
        (
            httpx2.Response(404, json={"code": 1010, "message": "User does not belong"}),
            ProviderError,
            True,
        ),
        (httpx2.Response(502, text="<html><body>Bad gateway</body></html>"), ProviderError, False),
        (httpx2.Response(503, text=""), ProviderError, False),
        (httpx2.Response(409, json={"code": 3002, "message": "in progress"}), ProviderError, False),
        (httpx2.Response(302, headers={"Location": "https://zoom.us/"}), ProviderError, False),
    ],
)
def test_error_shapes_map_to_the_right_class(
    response: httpx2.Response, kind: type[ProviderError], permanent: bool
) -> None:
    error = error_from_response(response, action="create the meeting", host="a@b.c")
    assert type(error) is kind and error.permanent is permanent
    assert error.message


def test_a_server_error_honours_retry_after() -> None:
    response = httpx2.Response(503, headers={"Retry-After": "7"}, text="<error/>")
    assert error_from_response(response, action="x").retry_after == 7.0


@given(st.binary(max_size=300), st.sampled_from([300, 400, 401, 404, 429, 500]))
def test_reading_any_error_body_never_raises(body: bytes, status: int) -> None:
    response = httpx2.Response(status, content=body)
    read_error(response)
    assert isinstance(error_from_response(response, action="x"), ProviderError)


@pytest.mark.parametrize(
    "failure",
    [httpx2.ReadTimeout("slow"), httpx2.ConnectError("refused"), httpx2.ReadError("reset")],
)
def test_timeouts_and_dropped_connections_are_transient(failure: Exception) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise failure

    with pytest.raises(ProviderError) as caught:
        mock_zoom(handler).create(make_spec())
    assert not caught.value.permanent and caught.value.code == "transport"


@pytest.mark.parametrize(
    ("answer", "missing"),
    [
        (httpx2.Response(201, text="<xml>created</xml>"), "a JSON body"),
        (httpx2.Response(201, json=["not", "an", "object"]), "a JSON object"),
        (httpx2.Response(201, json={"id": 81000000001}), "join_url"),
        (httpx2.Response(201, json={"join_url": "https://zoom.us/j/1"}), "meeting id"),
    ],
)
def test_a_malformed_success_is_transient_and_names_what_is_missing(
    answer: httpx2.Response, missing: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        mock_zoom(lambda request: answer).create(make_spec())
    assert not caught.value.permanent and missing in caught.value.message


@pytest.mark.parametrize(
    "page",
    [
        {"page_size": 300},  # no meetings list at all
        {"meetings": [], "next_page_token": "same"},  # a page token that never ends
    ],
)
def test_a_doubtful_meeting_list_never_leads_to_a_create(page: dict[str, Any]) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.method)
        return httpx2.Response(200, json=page)

    with pytest.raises(ProviderError) as caught:
        mock_zoom(handler).create(make_spec(), reconcile=True)
    assert not caught.value.permanent and "POST" not in seen


# -- connecting --------------------------------------------------------------------------
def test_the_consent_flow_connects_an_account_and_identifies_it(
    server: FakeServer, fake: FakeZoom
) -> None:
    flow = consent(server)
    assert "scope" not in parse_qs(urlsplit(flow["url"]).query)  # Zoom refuses it
    assert "Zoom" in flow["form"].title
    assert flow["form"].fields["email"] == "alice@example.com"
    assert flow["query"]["state"] == "the-state"
    tokens = oauth.exchange_code(
        zoom_app(server),
        code=flow["query"]["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=flow["verifier"],
    )
    assert tokens.refresh_token and not tokens.expires_within(3000)
    identity = auth.identify(client(server, UserTokens(zoom_app(server), tokens)), app_only=False)
    assert (identity.email, identity.name, identity.problems) == (
        "alice@example.com",
        "Alice Example",
        (),
    )
    assert identity.external_id


def test_denying_consent_returns_access_denied(server: FakeServer, fake: FakeZoom) -> None:
    flow = consent(server, button="Deny")
    assert flow["query"] == {"error": "access_denied", "state": "the-state"}


def test_a_code_needs_its_pkce_verifier_and_works_once(server: FakeServer, fake: FakeZoom) -> None:
    flow = consent(server)
    code = flow["query"]["code"]
    with pytest.raises(AuthenticationError):
        oauth.exchange_code(
            zoom_app(server), code=code, redirect_uri=REDIRECT_URI, code_verifier="x" * 64
        )
    flow = consent(server)
    exchange = {"code": flow["query"]["code"], "redirect_uri": REDIRECT_URI}
    oauth.exchange_code(zoom_app(server), code_verifier=flow["verifier"], **exchange)
    with pytest.raises(AuthenticationError):
        oauth.exchange_code(zoom_app(server), code_verifier=flow["verifier"], **exchange)


def test_a_wrong_client_secret_is_an_authentication_error(
    server: FakeServer, fake: FakeZoom
) -> None:
    flow = consent(server)
    with pytest.raises(AuthenticationError) as caught:
        oauth.exchange_code(
            zoom_app(server, secret="wrong"),
            code=flow["query"]["code"],
            redirect_uri=REDIRECT_URI,
            code_verifier=flow["verifier"],
        )
    assert caught.value.code == "invalid_client"


def test_an_authorize_url_naming_scopes_is_refused_like_zoom_does(
    server: FakeServer, fake: FakeZoom
) -> None:
    page = httpx2.get(
        auth.authorize_endpoint(server.url),
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "meeting:write",
        },
    )
    assert page.status_code == 400 and "Invalid scope" in page.text


@pytest.mark.parametrize(
    ("changes", "problem"),
    [({"can_host": False}, "no Zoom Meetings license"), ({"status": "inactive"}, "inactive")],
)
def test_identify_reports_a_user_who_cannot_host(
    server: FakeServer, fake: FakeZoom, alice: UserTokens, changes: dict[str, Any], problem: str
) -> None:
    control(server, "users", {"email": "alice@example.com", **changes})
    identity = auth.identify(client(server, alice), app_only=False)
    assert len(identity.problems) == 1 and problem in identity.problems[0]
    assert "alice@example.com" in identity.problems[0]


def test_identify_for_an_organization_reads_the_named_host(
    server: FakeServer, fake: FakeZoom
) -> None:
    http = client(server, AccountTokens(server))
    identity = auth.identify(http, app_only=True, host_email="carol@example.com")
    assert identity.email == "carol@example.com" and identity.problems == ()
    with pytest.raises(ValueError, match="host email"):
        auth.identify(http, app_only=True)
    with pytest.raises(ProviderError, match=r"nobody@example\.com"):
        auth.identify(http, app_only=True, host_email="nobody@example.com")
