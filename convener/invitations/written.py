"""An invitation's message written straight to the bytes its SMTP server receives.

Every invitation has the same shape: the text and HTML bodies as alternatives, and the
calendar attached. The email package builds it as a tree of part objects, checks and
stores every header, then walks the tree again to write it: 0.46 ms for each invitation
(timed alone, and about twice that among the worker's threads), most of what its mail
threads spent besides the SMTP conversation. `write` lays the same bytes out directly,
using Django's and the email package's own functions for each value (Django's checks
and encoded words, the email package's folding and base64), for the invitations that
need nothing more: bodies with no line too long to go as they are (Django sends those
quoted-printable) and Django's address headers left to it. Anything else returns None
and is built the long way. The tests hold the output to the email package's, byte for
byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.base64mime import body_encode
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers
from django.core.mail.utils import DNS_NAME

from convener.invitations.mime import SHORT_HEADERS_AS_THEY_ARE, boundary_outside

CRLF = "\r\n"
# What writes each header, as the email package's generator writes it for Django's SMTP
# backend (`as_bytes(linesep="\r\n")` of a message `mime.ready_to_write` prepared): a
# short ASCII header as it is, a longer one folded by the email package itself.
_FOLDING = SHORT_HEADERS_AS_THEY_ARE.clone(linesep=CRLF)


@dataclass(frozen=True)
class Invitation:
    """What an invitation's message is made of, as Django's `EmailMultiAlternatives`
    takes it: addresses already formatted, the calendar with its METHOD."""

    subject: str
    from_email: str
    to: Sequence[str]
    reply_to: Sequence[str]
    headers: dict[str, str]
    text: str
    html: str
    calendar: str
    method: str


class WrittenMessage(EmailMessage):
    """A message written out already: its top-level headers readable as on any message,
    its bytes as the SMTP backend asks for them (`as_bytes`)."""

    def __init__(self, written: bytes, headers: list[tuple[str, str]]) -> None:
        super().__init__()
        self._written = written
        self._headers = list(headers)

    def as_bytes(self, unixfrom: bool = False, policy: object = None, linesep: str = "\n") -> bytes:  # type: ignore[override]
        if unixfrom or policy is not None:
            raise ValueError("a written invitation has no envelope line and no other policy")
        if linesep == CRLF:
            return self._written
        return self._written.replace(CRLF.encode(), linesep.encode())


def write(invitation: Invitation) -> WrittenMessage | None:
    """The invitation's message as Django's SMTP backend would write it, or None when it
    needs something only the email package does (a quoted-printable body, another
    charset, Django's own address headers replaced)."""
    plain = settings.DEFAULT_CHARSET.lower() == "utf-8" and invitation.method.isalpha()
    if not plain or not invitation.text:
        return None
    headers = _headers(invitation)
    text, html = _lines(invitation.text), _lines(invitation.html)
    if headers is None or text is None or html is None:
        return None
    calendar = body_encode(invitation.calendar.encode(), eol=CRLF)
    parts_text = text + html + calendar
    mixed, alternative = boundary_outside(parts_text), boundary_outside(parts_text)
    top = [("Content-Type", f'multipart/mixed; boundary="{mixed}"'), ("MIME-Version", "1.0")]
    top.extend(headers)
    parts = [
        _written_headers(top),
        f"--{mixed}{CRLF}".encode(),
        _written_headers(
            [
                ("Content-Type", f'multipart/alternative; boundary="{alternative}"'),
                ("MIME-Version", "1.0"),
            ]
        ),
        f"--{alternative}{CRLF}".encode(),
        _written_body("plain", text),
        f"{CRLF}--{alternative}{CRLF}".encode(),
        _written_body("html", html),
        f"{CRLF}--{alternative}--{CRLF}{CRLF}--{mixed}{CRLF}".encode(),
        _written_headers(
            [
                ("MIME-Version", "1.0"),
                ("Content-Transfer-Encoding", "base64"),
                ("Content-Type", f'text/calendar; charset="utf-8"; method="{invitation.method}"'),
                ("Content-Disposition", 'attachment; filename="invite.ics"'),
            ]
        ),
        calendar.encode(),
        f"{CRLF}--{mixed}--{CRLF}".encode(),
    ]
    return WrittenMessage(b"".join(parts), top)


def _written_headers(headers: list[tuple[str, str]]) -> bytes:
    """A part's headers and the blank line after them."""
    return b"".join(_FOLDING.fold_binary(name, value) for name, value in headers) + b"\r\n"


def _written_body(subtype: str, body: str) -> bytes:
    """A text part of Django's (`SafeMIMEText` in UTF-8): 7bit when ASCII, else 8bit."""
    encoding = "7bit" if body.isascii() else "8bit"
    headers = [
        ("Content-Type", f'text/{subtype}; charset="utf-8"'),
        ("MIME-Version", "1.0"),
        ("Content-Transfer-Encoding", encoding),
    ]
    return _written_headers(headers) + body.encode()


def _headers(invitation: Invitation) -> list[tuple[str, str]] | None:
    """The top-level headers after Content-Type and MIME-Version, in the order and with
    the values Django gives them (`EmailMessage.message`), or None when the invitation
    replaces one of Django's address headers or a value is not ASCII once Django has
    encoded it."""
    listed = [("Subject", invitation.subject), ("From", invitation.from_email)]
    if invitation.to:
        listed.append(("To", ", ".join(invitation.to)))
    if invitation.reply_to:
        listed.append(("Reply-To", ", ".join(invitation.reply_to)))
    given = {name.lower() for name in invitation.headers}
    if given & {"from", "to", "cc", "reply-to"}:
        return None  # Django lets these replace its own: the long way keeps that exact
    if "date" not in given:
        listed.append(("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
    if "message-id" not in given:
        listed.append(("Message-ID", make_msgid(domain=DNS_NAME)))
    listed.extend(invitation.headers.items())
    # Each value as Django sets it: a line break refused (BadHeaderError), a name or a
    # subject in another script in encoded words, a long subject folded.
    checked = [forbid_multi_line_headers(name, value, "utf-8") for name, value in listed]
    if not all(value.isascii() for _, value in checked):
        return None  # not expected of Django; the email package knows what to do
    return checked


def _lines(body: str) -> str | None:
    """A body with its line breaks as the email package writes them (any of CRLF, CR or
    LF becomes CRLF), or None when a line is too long to go as it is: Django sends such
    a body quoted-printable."""
    lines = body.replace(CRLF, "\n").replace("\r", "\n")
    if any(len(line.encode()) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in lines.split("\n")):
        return None
    return lines.replace("\n", CRLF)
