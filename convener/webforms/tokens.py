"""The per-render token of a public form.

Each time the page is shown it carries a new token: the form's id and a random nonce,
signed with the site's key and dated. It stands in for Django's CSRF cookie, which a
browser does not send from a third-party iframe: a post without a token Convener signed
for this form is refused. The nonce is the submission's identity: a double click, a
browser retry or a re-posted page sends the same nonce and finds the same submission,
and it is the occurrence of the meeting's trigger reference, so the same meeting.
"""

from __future__ import annotations

import secrets

from django.core import signing

SALT = "convener.webforms.render"
# Long enough for a visitor who leaves the page open over lunch; past it the page is
# shown again with their values and a new token.
MAX_AGE_SECONDS = 24 * 3600


def issue(form_id: int) -> str:
    return signing.dumps({"f": form_id, "n": secrets.token_urlsafe(18)}, salt=SALT)


class TokenRefused(Exception):
    pass


def read(token: str, form_id: int) -> str:
    """The nonce of `token` if Convener signed it for this form and it is not too old."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as expired:
        raise TokenRefused("expired") from expired
    except signing.BadSignature as bad:
        raise TokenRefused("bad") from bad
    if not isinstance(data, dict) or data.get("f") != form_id or not data.get("n"):
        raise TokenRefused("bad")
    return str(data["n"])


DONE_SALT = "convener.webforms.done"


def done_token(submission_id: int) -> str:
    """The address of a submission's thank-you page: only its sender has it."""
    return signing.dumps(submission_id, salt=DONE_SALT)


def read_done(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=DONE_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
