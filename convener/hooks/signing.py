"""The signature schemes of the senders, checked on the raw request.

Every scheme is an HMAC-SHA256 with the webhook's signing secret; they differ in what is
signed and where the timestamp is:

- **Mautic** (Settings → Webhooks): `Webhook-Signature` is the base64 HMAC of the raw
  body. Mautic signs no timestamp header; its payload carries a `timestamp`, which is
  inside the signed body and is checked when present (a queued Mautic webhook can be sent
  by cron some minutes late, hence the longer window).
- **HubSpot v3**: `X-HubSpot-Signature-v3` is the base64 HMAC of method + full URI + body +
  `X-HubSpot-Request-Timestamp` (milliseconds); HubSpot says to refuse it after 5 minutes.
  https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
- **Generic** (Zapier, n8n, Salesforce or any code): `Convener-Signature: t=<unix
  seconds>,v1=<hex HMAC of "<t>.<body>">`; several `v1=` may be sent while a secret is
  being changed on the sender's side.

Replays: an accepted signature is remembered for its scheme's window (see
`receive._remember`), so the same signed request again is refused; after the window the
timestamp refuses it. A sender's retry is signed anew, and its event id finds the meeting
the first delivery made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from convener.hooks.models import Webhook


class SignatureRefused(Exception):
    """The request is not signed with the webhook's secret, or not now: `field` names the
    header (or payload key) that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SignedRequest:
    method: str
    uris: tuple[str, ...]  # the address as the sender may have called it (http or https)
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "").strip()


@dataclass(frozen=True)
class Scheme:
    """What a preset fills in, and how long its signatures count."""

    header: str
    tolerance: timedelta  # how old (or how far ahead) a signed timestamp may be
    event_id_path: str  # where the sender's own event id usually is ("" = none)
    suggested_mapping: tuple[tuple[str, str], ...]  # (payload path, target)


HUBSPOT_TIMESTAMP = "X-HubSpot-Request-Timestamp"
_MAUTIC_EVENT = "mautic.lead_post_save_update.0.contact"

SCHEMES: dict[str, Scheme] = {
    Webhook.Preset.MAUTIC: Scheme(
        "Webhook-Signature",
        timedelta(hours=1),
        "",
        (
            (f"{_MAUTIC_EVENT}.fields.core.email.value", "email"),
            (f"{_MAUTIC_EVENT}.fields.core.firstname.value", "first_name"),
            (f"{_MAUTIC_EVENT}.fields.core.lastname.value", "last_name"),
            (f"{_MAUTIC_EVENT}.fields.core.company.value", "company"),
            (f"{_MAUTIC_EVENT}.owner.email", "owner"),
            (f"{_MAUTIC_EVENT}.fields.core.timezone.value", "timezone"),
        ),
    ),
    Webhook.Preset.HUBSPOT: Scheme(
        "X-HubSpot-Signature-v3",
        timedelta(minutes=5),
        "",
        (
            ("email", "email"),
            ("firstname", "first_name"),
            ("lastname", "last_name"),
            ("company", "company"),
            ("hubspot_owner_email", "owner"),
            ("hs_timezone", "timezone"),
        ),
    ),
    Webhook.Preset.GENERIC: Scheme(
        "Convener-Signature",
        timedelta(minutes=5),
        "id",
        (
            ("contact.email", "email"),
            ("contact.first_name", "first_name"),
            ("contact.last_name", "last_name"),
            ("contact.company", "company"),
            ("contact.timezone", "timezone"),
        ),
    ),
}


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _fresh(signed_at: datetime, now: datetime, tolerance: timedelta, field: str) -> None:
    if abs(now - signed_at) > tolerance:
        minutes = int(tolerance.total_seconds() // 60)
        raise SignatureRefused(
            field,
            f"the timestamp {signed_at.isoformat()} is more than {minutes} minutes away from "
            "now: a stale or replayed request (check the sender's clock)",
        )


def verify(
    preset: str,
    header: str,
    secret: str,
    request: SignedRequest,
    *,
    now: datetime,
) -> str:
    """Check `request`'s signature; return the signature, for the replay check. Raises
    SignatureRefused naming the header that is missing, wrong or stale."""
    given = request.header(header)
    if not given:
        raise SignatureRefused(header, f"the {header} header is missing: the request is unsigned")
    scheme = SCHEMES[preset]
    if preset == Webhook.Preset.MAUTIC:
        expected = base64.b64encode(_hmac(secret, request.body)).decode()
        if not _same(given, expected):
            raise SignatureRefused(header, "the signature does not match the body and the secret")
        return given
    if preset == Webhook.Preset.HUBSPOT:
        stamp = request.header(HUBSPOT_TIMESTAMP)
        if not stamp.isdigit() or len(stamp) > 14:
            raise SignatureRefused(
                HUBSPOT_TIMESTAMP, f"the {HUBSPOT_TIMESTAMP} header is missing or not a number"
            )
        _fresh(
            datetime.fromtimestamp(int(stamp) / 1000, UTC), now, scheme.tolerance, HUBSPOT_TIMESTAMP
        )
        for uri in request.uris:
            message = request.method.encode() + _hubspot_uri(uri).encode() + request.body
            expected = base64.b64encode(_hmac(secret, message + stamp.encode())).decode()
            if _same(given, expected):
                return given
        raise SignatureRefused(header, "the signature does not match the request and the secret")
    return _verify_generic(header, secret, given, request.body, now, scheme.tolerance)


def check_payload_time(preset: str, document: object, now: datetime) -> None:
    """Mautic's timestamp is in its (signed) payload, read once the signature holds."""
    if preset != Webhook.Preset.MAUTIC or not isinstance(document, dict):
        return
    stamp = document.get("timestamp")
    if not isinstance(stamp, str) or not stamp:
        return
    try:
        signed_at = datetime.fromisoformat(stamp)
    except ValueError:
        raise SignatureRefused("timestamp", "the payload's timestamp is not a date") from None
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    _fresh(signed_at, now, SCHEMES[preset].tolerance, "timestamp")


def _hubspot_uri(uri: str) -> str:
    """HubSpot signs the URI with these characters decoded (its docs list them)."""
    for encoded in (
        "%3A",
        "%2F",
        "%3F",
        "%40",
        "%21",
        "%24",
        "%27",
        "%28",
        "%29",
        "%2A",
        "%2C",
        "%3B",
    ):
        uri = uri.replace(encoded, unquote(encoded)).replace(encoded.lower(), unquote(encoded))
    return uri


def _verify_generic(
    header: str, secret: str, given: str, body: bytes, now: datetime, tolerance: timedelta
) -> str:
    parts: dict[str, list[str]] = {}
    for item in given.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    stamps, signatures = parts.get("t", []), parts.get("v1", [])
    if len(stamps) != 1 or not stamps[0].isdigit() or len(stamps[0]) > 11 or not signatures:
        raise SignatureRefused(header, f"the {header} header is not 't=<unix seconds>,v1=<hex>'")
    _fresh(datetime.fromtimestamp(int(stamps[0]), UTC), now, tolerance, header)
    expected = _hmac(secret, stamps[0].encode() + b"." + body).hex()
    for signature in signatures:
        if _same(signature, expected):
            return f"{stamps[0]}.{signature}"
    raise SignatureRefused(header, "the signature does not match the body and the secret")


def generic_header(secret: str, body: bytes, at: datetime) -> str:
    """The generic scheme's header for `body` signed at `at` (for senders written in
    Python, and for the page that shows how to sign)."""
    stamp = str(int(at.timestamp()))
    return f"t={stamp},v1={_hmac(secret, stamp.encode() + b'.' + body).hex()}"
