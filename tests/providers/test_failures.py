"""The status ladder every provider shares: what a failed answer becomes when the
provider's own codes say nothing more."""

from __future__ import annotations

import httpx2
import pytest

from convener.providers.base import (
    AuthenticationError,
    CapabilityMissing,
    MeetingGone,
    ProviderError,
    RateLimited,
)
from convener.providers.failures import HttpFailure


class AcmeFailure(HttpFailure):
    """A provider that only names itself: every outcome comes from the shared ladder."""

    service = "Acme Video"


def failure(status: int, **headers: str) -> ProviderError:
    response = httpx2.Response(status, headers=headers)
    return AcmeFailure(response, action="create the meeting").error()


def test_a_429_is_a_rate_limit_that_honours_retry_after() -> None:
    error = failure(429, **{"Retry-After": "7"})
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.status, error.permanent) == (7.0, 429, False)


def test_a_401_asks_for_the_account_to_be_reconnected() -> None:
    error = failure(401)
    assert isinstance(error, AuthenticationError) and error.permanent
    assert "reconnect" in error.message


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_and_gone_mean_the_meeting_is_gone(status: int) -> None:
    assert isinstance(failure(status), MeetingGone)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_after_what_the_provider_asked(status: int) -> None:
    error = failure(status, **{"Retry-After": "3"})
    assert (type(error), error.permanent, error.retry_after) == (ProviderError, False, 3.0)


def test_a_request_timeout_is_retried() -> None:
    assert not failure(408).permanent


@pytest.mark.parametrize("status", [400, 403, 409, 422])
def test_other_client_errors_are_final(status: int) -> None:
    error = failure(status)
    assert (type(error), error.permanent, error.status) == (ProviderError, True, status)
    assert error.message == f"Acme Video refused to create the meeting (HTTP {status})"


@pytest.mark.parametrize("status", [204, 302])
def test_an_answer_of_no_known_class_is_retried(status: int) -> None:
    assert not failure(status).permanent


class CodedFailure(AcmeFailure):
    """A provider whose codes outrank a status (a throttling 403) and refine one (a 404
    that names a missing user rather than a missing meeting)."""

    gone_statuses = frozenset({410})
    retry_statuses = frozenset({409})

    def outranking(self) -> ProviderError | None:
        return self.rate_limited() if self.response.text == "slow" else None

    def refined(self) -> ProviderError | None:
        if self.response.text == "no user":
            return CapabilityMissing("no such user", status=self.status)
        return None


def coded(status: int, body: str) -> ProviderError:
    response = httpx2.Response(status, text=body)
    return CodedFailure(response, action="create the meeting").error()


def test_a_provider_code_that_outranks_the_status_decides_first() -> None:
    assert isinstance(coded(403, "slow"), RateLimited)
    assert isinstance(coded(401, "slow"), RateLimited)


def test_a_refining_code_comes_after_401_and_before_the_remaining_statuses() -> None:
    assert isinstance(coded(401, "no user"), AuthenticationError)
    assert isinstance(coded(410, "no user"), CapabilityMissing)
    assert isinstance(coded(410, ""), MeetingGone)


def test_a_provider_chooses_which_statuses_mean_gone_and_which_are_retried() -> None:
    assert coded(404, "").permanent and not isinstance(coded(404, ""), MeetingGone)
    assert not coded(409, "").permanent
    assert coded(408, "").permanent
