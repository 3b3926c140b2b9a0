"""Writing invitation messages out cheaply with the standard email package.

Thousands of invitations go out in a row, and the email package spent more CPU writing
each one than the SMTP conversation did: it compiled a regular expression for every
multipart boundary and folded every header through its `Header` class, even a short
ASCII one. `ready_to_write` sets the boundaries beforehand and gives the parts a policy
that writes such a header as it is; what the email package would write is unchanged.
"""

from __future__ import annotations

import random
from email.message import Message
from email.policy import Compat32
from typing import TypeVar

M = TypeVar("M", bound=Message)


class ShortHeadersAsTheyAre(Compat32):
    """Compat32 (the policy Django's messages are built with), writing a header that is
    ASCII, on one line and short enough as it is: folding it would give the same text."""

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        limit = self.max_line_length or 78
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + 2 + len(value) <= limit
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]


SHORT_HEADERS_AS_THEY_ARE = ShortHeadersAsTheyAre()


def ready_to_write(message: M) -> M:
    """The message with a boundary chosen for each multipart part and the cheaper policy
    on every part. Left unset, the email package picks a boundary when it writes the
    message and checks it against the parts' text with a regular expression compiled
    anew each time (boundaries are random, so never cached); here it is a plain search."""
    for part in message.walk():
        part.policy = SHORT_HEADERS_AS_THEY_ARE
        if not part.is_multipart():
            continue
        leaves = (inner for inner in part.walk() if not inner.is_multipart())
        part.set_boundary(boundary_outside("".join(str(leaf.get_payload()) for leaf in leaves)))
    return message


# A boundary need only not occur in the parts (checked below), not be unguessable: drawn
# from a generator seeded once rather than from uuid4's os.urandom, a system call that
# lets go of the interpreter lock, so that on a busy worker each of a message's two
# boundaries cost a wait to take the lock back behind the other threads.
_BOUNDARIES = random.Random()


def boundary_outside(text: str) -> str:
    """A multipart boundary that does not occur in `text`, the parts it separates, found
    with a plain search; a clash, as unlikely as a repeated UUID, picks again."""
    while True:
        boundary = f"=_{_BOUNDARIES.getrandbits(128):032x}"
        if boundary not in text:
            return boundary
