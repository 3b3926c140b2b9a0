"""An invitation written straight to bytes (`invitations.written`) is byte for byte what
Django and the email package write for it, and what they are left to write otherwise."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.message import Message
from email.utils import formataddr

import pytest
from django.core.mail import BadHeaderError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convener.invitations import delivery, written
from convener.invitations.written import Invitation, WrittenMessage
from tests.invitations.test_mime import INVITATION_PARTS

DATE = "Fri, 04 Dec 2026 16:36:20 -0000"
MESSAGE_ID = "<179640218029.331.7003598423535585852@convener.example>"


@pytest.fixture(autouse=True)
def fixed_date_and_id(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Both ways call the same functions for these; fixed, the two outputs can be compared.
    for module in ("convener.invitations.written", "django.core.mail.message"):
        monkeypatch.setattr(f"{module}.formatdate", lambda localtime=False: DATE)
        monkeypatch.setattr(f"{module}.make_msgid", lambda domain=None: MESSAGE_ID)
    yield


CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "SUMMARY:Onboarding\r\nDTSTART:20270105T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def invitation(**changes: object) -> Invitation:
    fields: dict[str, object] = {
        "subject": "Invitation: Onboarding @ Tue 5 Jan 2027 10:00 (CET)",
        "from_email": "Convener <meetings@example.com>",
        "to": [formataddr(("Ann Lee", "ann@example.com"))],
        "reply_to": ["host@example.com"],
        "headers": {"X-Convener-Meeting": "0b9e2d1c-0000-4000-8000-000000000001"},
        "text": "Hello Ann,\n\nYou are invited to Onboarding.\n",
        "html": "<p>Hello Ann,</p>\n<p>You are invited to Onboarding.</p>",
        "calendar": CALENDAR,
        "method": "REQUEST",
    }
    fields.update(changes)
    return Invitation(**fields)  # type: ignore[arg-type]


def by_the_email_package(invitation: Invitation, like: bytes | None) -> bytes:
    """What Django's SMTP backend sends for the invitation built the long way, with the
    boundaries of `like` (they are random)."""
    message = delivery._Invitation(invitation)._by_the_email_package()
    if like is not None:
        boundaries = re.findall(rb'boundary="([^"]+)"', like)
        parts = [part for part in message.walk() if part.is_multipart()]
        for part, boundary in zip(parts, boundaries, strict=True):
            part.set_boundary(boundary.decode())
    return message.as_bytes(linesep="\r\n")  # type: ignore[call-arg]  # Django's MIME classes


def test_an_everyday_invitation_is_written_directly_and_as_the_email_package_would() -> None:
    message = written.write(invitation())

    assert message is not None
    ours = message.as_bytes(linesep="\r\n")
    assert ours == by_the_email_package(invitation(), ours)
    # And it is what the SMTP backend is handed for it.
    assert isinstance(delivery._Invitation(invitation()).message(), WrittenMessage)
    read = email.message_from_bytes(ours)
    assert [part.get_content_type() for part in read.walk()] == INVITATION_PARTS
    text, html, calendar = [part for part in read.walk() if not part.is_multipart()]
    assert text.get_payload(decode=True) == b"Hello Ann,\r\n\r\nYou are invited to Onboarding.\r\n"
    assert html.get_payload() == "<p>Hello Ann,</p>\r\n<p>You are invited to Onboarding.</p>"
    assert calendar.get_payload(decode=True) == CALENDAR.encode()
    assert calendar.get_param("method") == "REQUEST"
    assert read["To"] == "Ann Lee <ann@example.com>"
    # Its headers read as any message's.
    assert message["Reply-To"] == "host@example.com"
    assert message["Message-ID"] == MESSAGE_ID


def test_bodies_in_other_scripts_go_as_8bit_utf8() -> None:
    changes = {"text": "Hallo Jürgen,\nbis gleich.\n", "html": "<p>Hallo Jürgen — 会議</p>"}
    message = written.write(invitation(**changes))

    assert message is not None
    ours = message.as_bytes(linesep="\r\n")
    assert ours == by_the_email_package(invitation(**changes), ours)
    assert ours.count(b"Content-Transfer-Encoding: 8bit") == 2
    assert "Jürgen".encode() in ours


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Termin: Müller @ Di 5 Jan 10:00"},
        {"subject": "Einladung: Müller und Söhne @ Di 5 Jan 2027 10:00 (MEZ)" * 2},
        {"to": ["Zoë Ng <zoe@example.com>"]},
        {"to": [formataddr(("Zoë Ng", "zoe@example.com"))]},
        {"subject": "Invitation: " + "a very long title " * 6 + " @ Tue 5 Jan 2027 10:00"},
    ],
)
def test_long_subjects_and_names_in_other_scripts_are_written_as_django_writes_them(
    changes: dict[str, object],
) -> None:
    message = written.write(invitation(**changes))

    assert message is not None
    ours = message.as_bytes(linesep="\r\n")
    assert ours == by_the_email_package(invitation(**changes), ours)
    # Encoded, or folded onto a second line.
    assert re.search(rb"=\?utf-8\?|\r\nSubject: [^\r]*\r\n [^\r]", ours)


@pytest.mark.parametrize(
    "changes",
    [
        {"text": "x" * 1000},  # quoted-printable
        {"html": "<p>" + "é" * 600 + "</p>"},  # 1,207 bytes on a line
        {"text": ""},  # Django leaves an empty text body out
        {"headers": {"Reply-To": "other@example.com"}},
    ],
)
def test_what_needs_the_email_package_is_left_to_it(changes: dict[str, object]) -> None:
    assert written.write(invitation(**changes)) is None
    # The SMTP backend is handed the email package's message instead.
    handed = delivery._Invitation(invitation(**changes)).message()
    assert not isinstance(handed, WrittenMessage)
    assert email.message_from_bytes(handed.as_bytes()).get_content_type() == "multipart/mixed"


def test_a_header_with_a_line_break_is_refused_as_django_refuses_it() -> None:
    with pytest.raises(BadHeaderError):
        written.write(invitation(subject="Invitation\r\nBcc: everyone@example.com"))


def test_a_message_asked_for_with_lf_line_ends_gets_them() -> None:
    message = written.write(invitation())
    assert message is not None
    assert message.as_bytes() == message.as_bytes(linesep="\r\n").replace(b"\r\n", b"\n")


ASCII = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=160)
ANY_LINE = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
    max_size=90,
)
PIECE = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
BODY = st.lists(PIECE | st.sampled_from(["\r\n", "\r", "\n"]), max_size=12).map(
    "".join
) | st.builds(lambda n, c: c * n, st.integers(990, 1005), st.sampled_from(["a", "é"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=ASCII | ANY_LINE,
    name=ASCII | ANY_LINE,
    text=BODY,
    html=BODY,
    calendar=BODY,
    method=st.sampled_from(["REQUEST", "CANCEL"]),
    reply_to=st.sampled_from([[], ["host@example.com"]]),
)
def test_whatever_it_writes_is_what_the_email_package_writes(
    subject: str, name: str, text: str, html: str, calendar: str, method: str, reply_to: list[str]
) -> None:
    changes = {
        "subject": subject,
        "to": [formataddr((name, "guest@example.org"))],
        "text": text,
        "html": html,
        "calendar": calendar,
        "method": method,
        "reply_to": reply_to,
    }
    message = written.write(invitation(**changes))
    if message is None:
        return
    ours = message.as_bytes(linesep="\r\n")
    assert ours == by_the_email_package(invitation(**changes), ours)
    read: Message = email.message_from_bytes(ours)
    *_, attached = read.walk()
    assert attached.get_payload(decode=True) == calendar.encode()
