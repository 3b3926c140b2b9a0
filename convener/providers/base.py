"""The provider contract.

A provider turns a `MeetingSpec` into a meeting at a video service and gives back a
`MeetingInfo`. Providers know nothing of Django or of Convener's models: the pipeline
builds the spec from a Meeting row and hands in an HTTP client and a token source, so the
same code talks to the real APIs and to the local fakes.

Exceptions::

    ProviderError              any failure; .permanent says whether retrying can help
    ├── AuthenticationError    the account's credentials were refused: reconnect it
    ├── QuotaExhausted         a quota is used up until .retry_after (e.g. Zoom's daily cap)
    ├── RateLimited            slow down: retry after .retry_after seconds
    ├── MeetingGone            update/cancel of a meeting the provider no longer has
    └── CapabilityMissing      the account cannot do this at all (e.g. personal Microsoft
                               accounts and Teams): say what is missing, never retry
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol


class ProviderError(Exception):
    """A provider call failed.

    `permanent` means retrying the same call cannot succeed (bad request, no permission);
    transient errors are retried with backoff, never sooner than `retry_after` seconds.
    The message is shown to people: it must say what went wrong and never contain tokens.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        status: int | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message


class AuthenticationError(ProviderError):
    """Credentials refused even after one refresh: the connection needs reconnecting."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message, permanent=True, status=status, code=code)


class RateLimited(ProviderError):
    """The provider asked us to slow down (429, or Google's 403 usageLimits)."""

    def __init__(
        self, message: str, *, retry_after: float | None, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(
            message, permanent=False, retry_after=retry_after, status=status, code=code
        )


class QuotaExhausted(ProviderError):
    """A quota is used up until a known time (Zoom: 100 creates+updates per host per UTC day)."""

    def __init__(
        self, message: str, *, retry_after: float | None, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(
            message, permanent=False, retry_after=retry_after, status=status, code=code
        )


class MeetingGone(ProviderError):
    """The remote meeting no longer exists (deleted in the provider's own UI, or already)."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message, permanent=True, status=status, code=code)


class CapabilityMissing(ProviderError):
    """The account cannot make this kind of meeting; the message says what is missing."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message, permanent=True, status=status, code=code)


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class MeetingSpec:
    """What to create or update, built by the pipeline from a Meeting row.

    `key` is the meeting's idempotency key: stable across every retry of the same meeting,
    unique per meeting, made of lowercase letters a-v and digits (so it is also a valid
    Google event id), 26 to 64 characters long.
    """

    key: str
    title: str
    start: datetime  # aware
    end: datetime  # aware
    timezone: str  # IANA name the meeting was planned in
    description: str = ""
    host: Person | None = None  # the user the meeting is made for (app-only and S2S accounts)
    attendees: tuple[Person, ...] = ()
    passcode: str = ""


@dataclass(frozen=True)
class CalendarEntry:
    """A plain event in the host's own calendar for a meeting that lives elsewhere (a Zoom
    or Jitsi link, an address, a phone number): no conference of its own, and no
    attendees, since Convener's own invitations put it in the guests' calendars and a
    provider invitation would be a second one.

    `event` says it as a meeting's event is said, its attendees left empty: `key` is the
    entry's idempotency key, stable across every retry of one entry, and `host` whose
    calendar it is (for app-only accounts)."""

    event: MeetingSpec
    location: str = ""  # the meeting link, the address or the phone number


@dataclass(frozen=True)
class MeetingInfo:
    """What the provider made. `join_url` is empty only while `pending` is true."""

    meeting_id: str
    join_url: str
    passcode: str = ""
    conference_id: str = ""
    dial_in: tuple[str, ...] = ()
    pending: bool = False
    # Provider-specific ids worth keeping (Google iCalUID, Zoom uuid, Graph iCalUId, ...).
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountIdentity:
    """Who a connected account is, read from the provider right after connecting.

    `problems` is the capability pre-check: each entry says, for a person, what this
    account lacks to make meetings (a personal Microsoft account cannot make Teams links;
    an app without a Teams access policy; a Zoom user who may not host). Empty: all good.
    """

    external_id: str
    email: str
    name: str = ""
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class BusyInterval:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Capabilities:
    """What a provider can and cannot do, so the UI and the pipeline never have to guess."""

    needs_connection: bool = True  # False: works without a connected account (Jitsi)
    calendar_event: bool = False  # the meeting also appears on the host's calendar
    free_busy: bool = False
    passcode: bool = False  # honours MeetingSpec.passcode
    idempotent_create: bool = False  # the API deduplicates creates by our key
    daily_writes_per_host: int | None = None  # creates+updates per host per UTC day
    requests_per_second: float | None = None  # safe steady pace per account
    description_limit: int | None = None  # longest description the provider keeps whole


class AccessTokenSource(Protocol):
    """Gives a provider a bearer token for its account; implemented by `connections`.

    `token()` returns a valid access token, refreshing it first when it is about to expire.
    `refresh(rejected)` is called once when the API refused `rejected` (401): it returns a
    fresh token, or raises AuthenticationError when the account must be reconnected.
    A source may also have `ready() -> str | None`: the token when it can give it without
    the database or the network (else None, and `token()` is called).
    """

    def token(self) -> str: ...

    def refresh(self, rejected: str) -> str: ...


class Provider(ABC):
    """A video-meeting service. One instance serves one connected account (or none).

    Implementations keep every remote call idempotent with `spec.key`: a create retried
    after a timeout or a crash must find the meeting made by the first try instead of
    making a second one.
    """

    slug: ClassVar[str]
    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    @abstractmethod
    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        """Make the meeting and return its link.

        `reconcile` is true when an earlier attempt for this key may have reached the
        provider (a retry): providers without server-side idempotency must look for the
        meeting made by that attempt before creating. Must never create a second meeting
        for the same key. Raises ProviderError.
        """

    @abstractmethod
    def update(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        """Move or rename the meeting, keeping its link where the provider allows.

        Raises MeetingGone when the remote meeting no longer exists.
        """

    @abstractmethod
    def cancel(self, meeting_id: str) -> None:
        """Delete the remote meeting. A meeting that is already gone counts as cancelled."""

    def find(self, spec: MeetingSpec) -> str | None:
        """The id of the meeting an earlier create for `spec.key` made, or None.

        Asked when a meeting is cancelled while no create has answered (an answer lost on
        the way back): a meeting the provider made anyway must not outlive the cancel.
        Providers that keep nothing remotely answer None.
        """
        raise CapabilityMissing(f"{self.name} cannot look meetings up by their key")

    def free_busy(self, host: Person | None, start: datetime, end: datetime) -> list[BusyInterval]:
        """Busy intervals of the host between start and end (only if capabilities.free_busy)."""
        raise CapabilityMissing(f"{self.name} cannot read calendars")

    def refresh_info(self, meeting_id: str) -> MeetingInfo:
        """Read the meeting again (e.g. while a Google conference is pending)."""
        raise CapabilityMissing(f"{self.name} cannot read meetings back")

    def put_calendar_entry(self, entry: CalendarEntry, entry_id: str) -> str:
        """Make the entry in the account's calendar (`entry_id` empty) or bring the one
        made before up to date; its id. A retried make finds what an earlier try made
        (by `entry.event.key`). Only if capabilities.calendar_event."""
        raise CapabilityMissing(f"{self.name} has no calendar to put events in")

    def remove_calendar_entry(self, entry_id: str) -> None:
        """Delete the entry; one that is gone already counts as removed."""
        raise CapabilityMissing(f"{self.name} has no calendar to put events in")

    def close(self) -> None:
        """Release the HTTP client the provider was given, if any."""
        http = getattr(self, "http", None)
        if http is not None:
            http.close()
