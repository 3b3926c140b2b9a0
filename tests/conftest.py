"""Fixtures shared by the whole suite: people, contacts, a real SMTP server, the worker."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.controller import Controller

if TYPE_CHECKING:  # imported inside the fixtures, once Django is set up
    from convener.crm.models import Contact
    from convener.team.models import User
    from fakeproviders.harness import FakeServer

# The helpers the lifecycle tests share assert as they go (a connect answered 302, a
# meeting invited); rewrite them as pytest rewrites the tests, for the same messages.
pytest.register_assert_rewrite("tests.scheduling.support")

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, what: str) -> None:
    """Skip a test that needs something this machine lacks, except in CI, where a missing
    service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {what} is missing")
    pytest.skip(f"{what} is missing")


@dataclass
class Inbox:
    """What the SMTP server received, parsed as a mail client would."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # mailboxes the server answers 550 for
    # Offered, as Postfix, Exchange and Gmail offer it; a test turns it off to check a
    # server without it.
    pipelining: bool = True
    greetings: int = 0  # EHLOs: the connections opened to the server
    # Set to an unset event, the server holds every message at the end of DATA until it
    # is set, as a slow relay would: the messages under way at once can then be counted.
    hold: threading.Event | None = None
    in_data: int = 0  # messages the server is taking now
    most_at_once: int = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.greetings += 1
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")  # before the last line, "250 HELP"
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.in_data += 1
        self.most_at_once = max(self.most_at_once, self.in_data)
        try:
            if self.hold is not None:
                await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        finally:
            self.in_data -= 1
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [
            m
            for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True)
            if address in rcpts
        ]


def mail_text(message: EmailMessage, subtype: str = "plain") -> str:
    """The email's text/plain (or text/`subtype`) body, as a mail client shows it."""
    body = message.get_body(preferencelist=(subtype,))
    if body is None:
        raise AssertionError(f"the email has no text/{subtype} part")
    text: str = body.get_content()
    return text


def free_port() -> int:
    # aiosmtpd's controller cannot start on port 0 (it connects to itself to check), so ask
    # the OS for a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _fresh_pacing_hints() -> Iterator[None]:
    """Lanes one test paused must not look paused to the next (ids repeat)."""
    from convener.dispatch import pacing

    pacing.forget_blocked()
    yield
    pacing.forget_blocked()


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1; Convener's settings point at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.SMTP_HOST = "127.0.0.1"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    try:
        yield inbox
    finally:
        if inbox.hold is not None:
            inbox.hold.set()  # a test that failed while holding messages lets them go
        controller.stop()


@pytest.fixture
def member(db: Any) -> User:
    from convener.team.models import User

    return User.objects.create_user(
        "ann",
        "ann@example.com",
        "correct-horse-battery",
        first_name="Ann",
        last_name="Lee",
        timezone="Europe/Berlin",
    )


@pytest.fixture
def logged_in(client: Any, member: User) -> Any:
    """The test client, signed in as the member Ann."""
    client.force_login(member)
    return client


@pytest.fixture
def contact(member: User) -> Contact:
    from convener.crm.models import Contact

    return Contact.objects.create(
        email="bob@example.org",
        first_name="Bob",
        last_name="Stone",
        timezone="America/New_York",
        owner=member,
    )


@pytest.fixture
def api_token(member: User) -> str:
    from convener.team.models import ApiToken

    return ApiToken.issue(member, "tests")[1]


@pytest.fixture
def api_post(client: Any, api_token: str) -> Callable[[str, Any], Any]:
    """POST a JSON body to /api/v1<path> with the member's token."""

    def post(path: str, body: Any) -> Any:
        return client.post(
            f"/api/v1{path}",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {api_token}"},
        )

    return post


def run_worker() -> int:
    """Run every queued task with the real database worker, then return how many ran.

    The worker recycles database connections between tasks, as it must in production; in a
    test that would close the connection holding the test's transaction, so not here."""
    from unittest import mock

    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        worker.run()
    return worker._run_tasks


@pytest.fixture
def worker() -> Callable[[], int]:
    return run_worker


def point_settings_at(settings: Any, *servers: Any) -> None:
    """Point this process's Convener (pytest-django's `settings`) at running fakes: each
    variable of `fakeproviders.settings_for` becomes the setting of its name without the
    CONVENER_ prefix, as convener/settings.py reads it."""
    from fakeproviders import settings_for

    for variable, value in settings_for(*servers).items():
        setattr(settings, variable.removeprefix("CONVENER_"), value)


@pytest.fixture
def zoom(settings: Any) -> Iterator[FakeServer]:
    """The fake Zoom over HTTP on 127.0.0.1, with Convener's settings pointing at it."""
    from fakeproviders.harness import FakeServer
    from fakeproviders.zoom import FakeZoom

    with FakeServer(FakeZoom()) as server:
        point_settings_at(settings, server)
        yield server


@pytest.fixture
def google(settings: Any) -> Iterator[FakeServer]:
    """The fake Google over HTTP on 127.0.0.1, with Convener's settings pointing at it."""
    from fakeproviders.google import FakeGoogle
    from fakeproviders.harness import FakeServer

    with FakeServer(FakeGoogle()) as server:
        point_settings_at(settings, server)
        yield server


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
