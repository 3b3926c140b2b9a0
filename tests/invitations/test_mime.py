"""An invitation written the cheaper way (`invitations.mime`) is byte for byte what the
email package would have written with the same boundaries."""

from __future__ import annotations

import email
import io
import re
from email.generator import BytesGenerator
from email.message import Message
from email.mime.text import MIMEText
from email.policy import compat32

from django.core.mail import EmailMultiAlternatives
from hypothesis import given, settings
from hypothesis import strategies as st

from convener.invitations import mime
from convener.invitations.mime import SHORT_HEADERS_AS_THEY_ARE, boundary_outside, ready_to_write

# Printable ASCII and the whitespace a header value may hold on one line.
ASCII_VALUES = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126) | st.sampled_from(" \t"),
    max_size=90,
)
# An invitation's parts, in the order they are written.
INVITATION_PARTS = [
    "multipart/mixed",
    "multipart/alternative",
    "text/plain",
    "text/html",
    "text/calendar",
]
NAMES = st.sampled_from(["Subject", "To", "From", "X-Convener-Meeting", "Content-Type"])


@settings(max_examples=400, deadline=None)
@given(name=NAMES, value=ASCII_VALUES)
def test_a_short_ascii_header_is_written_as_the_email_package_would(name: str, value: str) -> None:
    for linesep in ("\n", "\r\n"):
        ours = SHORT_HEADERS_AS_THEY_ARE.clone(linesep=linesep)
        theirs = compat32.clone(linesep=linesep)
        assert ours.fold_binary(name, value) == theirs.fold_binary(name, value)


def _invitation(title: str, html: str) -> Message:
    message = EmailMultiAlternatives(
        subject=f"Invitation: {title} @ Thu 3 Dec 2026 10:00 (CET)",
        body=f"Hello Ann Müller,\n\nYou are invited to {title}.\n",
        from_email="Convener <meetings@example.com>",
        to=["Ann Müller <ann@example.com>"],
        reply_to=["host@example.com"],
        headers={"X-Convener-Meeting": "0b9e2d1c-0000-4000-8000-000000000001"},
    )
    message.attach_alternative(html, "text/html")
    part = MIMEText("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", "calendar", "utf-8")
    part.set_param("method", "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    message.attach(part)
    built = message.message()
    del built["Date"], built["Message-ID"]
    return built


def _written(message: Message) -> bytes:
    """As Django's SMTP backend writes a message (`as_bytes(linesep="\\r\\n")`)."""
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False).flatten(message, linesep="\r\n")
    return out.getvalue()


def test_an_invitation_is_written_as_the_email_package_would_with_its_boundaries() -> None:
    title = "A demo with a title long enough that its subject must be folded over two lines"
    html = "<p>Join the demo.</p>\n" * 20
    ours = ready_to_write(_invitation(title, html))
    theirs = _invitation(title, html)
    for mine, other in zip(ours.walk(), theirs.walk(), strict=True):
        if mine.is_multipart():
            boundary = mine.get_boundary()
            assert boundary is not None
            other.set_boundary(boundary)

    written = _written(ours)

    assert written == _written(theirs)
    # The long subject was folded, the short headers were not, and it reads back whole.
    assert re.search(rb"\r\nSubject: Invitation: A demo[^\r]*\r\n [^\r]*", written)
    assert b"\r\nX-Convener-Meeting: 0b9e2d1c-0000-4000-8000-000000000001\r\n" in written
    read = email.message_from_bytes(written)
    assert [part.get_content_type() for part in read.walk()] == INVITATION_PARTS


def test_a_boundary_never_appears_in_the_text_it_separates() -> None:
    message = ready_to_write(_invitation("Demo", "<p>Join.</p>"))
    written = _written(message)
    for part in message.walk():
        if part.is_multipart():
            boundary = f"--{part.get_boundary()}".encode()
            # Each boundary line appears once per subpart, and once more to close.
            assert written.count(boundary) == len(part.get_payload()) + 1


def test_a_boundary_that_occurs_in_the_text_is_drawn_again() -> None:
    drawn = mime._BOUNDARIES.getstate()
    first = boundary_outside("")
    mime._BOUNDARIES.setstate(drawn)  # the next draw is `first` again
    text = f"A guest pasted --{first} into the description."
    boundary = boundary_outside(text)
    assert boundary != first
    assert boundary not in text
