"""From a provider's failed HTTP answer to a ProviderError: the status ladder all share.

Every provider's API answers a failure with an HTTP status and, usually, a code of its
own. The status decides the broad class (slow down, reconnect, gone, retry later, give
up); the provider's code may outrank it or say more. One ladder, top to bottom::

    outranking()        the provider's codes that decide whatever the status is
                        (Google's quota reasons, Graph's throttling codes, Zoom's daily
                        limit and missing scopes)
    429                 rate_limited()          RateLimited, honouring Retry-After
    401                 credentials_refused()   AuthenticationError: reconnect the account
    refined()           the provider's codes that say more than the status
                        (Graph's 403 Teams policy, Zoom's 3001 "meeting not found")
    gone_statuses       gone()                  MeetingGone (404 and 410 unless told)
    5xx                 server_error()          transient, honouring Retry-After
    retry_statuses      busy()                  transient: a timeout or conflict that clears
    any other 4xx       refused()               permanent: the same call cannot succeed
    anything else       unexpected()            transient (a gateway in the way)

A provider subclasses `HttpFailure` once, in its errors.py: it sets the two status sets
where its API differs, reads its error body, and phrases each outcome for people. The
defaults phrase them plainly from `service`, so a new provider gets a complete mapping
from a name alone. Messages are shown to people and never contain tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import httpx2

from convener.providers.base import (
    AuthenticationError,
    MeetingGone,
    ProviderError,
    RateLimited,
)
from convener.providers.http import parse_retry_after


class HttpFailure:
    """One answer of a provider's API that was not the expected success.

    Build one per failed response and call `error()`. `action` completes "while trying
    to ..." ("create the meeting"); `now` pins the clock that Retry-After timestamps are
    read against (tests).
    """

    service: ClassVar[str] = "The provider"
    # Statuses that mean "the meeting no longer exists" when the provider's code said
    # nothing more precise (refined() runs first).
    gone_statuses: ClassVar[frozenset[int]] = frozenset({404, 410})
    # Statuses below 500 for which the same call can succeed a little later.
    retry_statuses: ClassVar[frozenset[int]] = frozenset({408})

    def __init__(
        self, response: httpx2.Response, *, action: str, now: datetime | None = None
    ) -> None:
        self.response = response
        self.status = response.status_code
        self.action = action
        self.now = now
        # The provider's own error code, as text; subclasses read it from the body.
        self.code = ""

    @property
    def retry_after(self) -> float | None:
        """Seconds the provider asked us to wait (Retry-After), or None."""
        return parse_retry_after(self.response.headers.get("Retry-After"), now=self.now)

    def error(self) -> ProviderError:
        """The ProviderError this answer becomes: the ladder in the module docstring."""
        decided = self.outranking()
        if decided is not None:
            return decided
        status = self.status
        if status == 429:
            return self.rate_limited()
        if status == 401:
            # The bearer auth already refreshed once and retried: the credentials are dead.
            return self.credentials_refused()
        decided = self.refined()
        if decided is not None:
            return decided
        if status in self.gone_statuses:
            return self.gone()
        if status >= 500:
            return self.server_error()
        if status in self.retry_statuses:
            return self.busy()
        if 400 <= status < 500:
            return self.refused()
        return self.unexpected()

    # -- the provider's codes ------------------------------------------------------------
    def outranking(self) -> ProviderError | None:
        """The error for a provider code that decides regardless of the status, or None.

        Checked before anything else: throttling and quota codes that come with a 403 or
        a 400, for instance. Must not look at the status classes below it; return None
        to let the ladder decide.
        """
        return None

    def refined(self) -> ProviderError | None:
        """The error for a provider code that says more than the status, or None.

        Checked after 429 and 401, before the remaining statuses: a 403 that names a
        missing permission, a 404 that names a missing user rather than a missing meeting.
        """
        return None

    # -- building the errors -------------------------------------------------------------
    def retry_later(
        self, message: str, *, retry_after: float | None = None, code: str | None = None
    ) -> ProviderError:
        """A transient ProviderError for this answer (its status, the provider's code)."""
        return ProviderError(
            message,
            permanent=False,
            retry_after=retry_after,
            status=self.status,
            code=self.code if code is None else code,
        )

    def give_up(self, message: str, *, code: str | None = None) -> ProviderError:
        """A permanent ProviderError for this answer (its status, the provider's code)."""
        return ProviderError(
            message, permanent=True, status=self.status, code=self.code if code is None else code
        )

    # -- the outcomes, phrased for people ------------------------------------------------
    def rate_limited(self) -> ProviderError:
        """429: slow down, never sooner than Retry-After."""
        return RateLimited(
            f"{self.service} rate limit (HTTP {self.status}) while trying to {self.action};"
            " retrying",
            retry_after=self.retry_after,
            status=self.status,
            code=self.code,
        )

    def credentials_refused(self) -> ProviderError:
        """401 after one refresh: the account must be reconnected."""
        return AuthenticationError(
            f"{self.service} refused the account's credentials while trying to {self.action};"
            " reconnect the account",
            status=self.status,
            code=self.code,
        )

    def gone(self) -> ProviderError:
        """The remote meeting no longer exists."""
        return MeetingGone(
            f"The {self.service} meeting no longer exists (HTTP {self.status})",
            status=self.status,
            code=self.code,
        )

    def server_error(self) -> ProviderError:
        """5xx: the provider's own trouble; retried with backoff."""
        return self.retry_later(
            f"{self.service} failed (HTTP {self.status}) while trying to {self.action}; retrying",
            retry_after=self.retry_after,
        )

    def busy(self) -> ProviderError:
        """A status in `retry_statuses`: the same call can succeed a little later."""
        return self.retry_later(
            f"{self.service} could not {self.action} right now (HTTP {self.status}); retrying",
            retry_after=self.retry_after,
        )

    def refused(self) -> ProviderError:
        """Any other 4xx: the request itself is wrong; retrying cannot help."""
        return self.give_up(f"{self.service} refused to {self.action} (HTTP {self.status})")

    def unexpected(self) -> ProviderError:
        """1xx, 3xx (redirects are never followed) or a 2xx the caller did not expect: a
        gateway in the way, or the provider changing something; another try may work."""
        return self.retry_later(
            f"{self.service} answered HTTP {self.status} while trying to {self.action}; retrying"
        )
