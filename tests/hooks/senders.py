"""The signatures as each real sender computes them, written from the senders' own
descriptions and not from Convener's code, so that a mistake in one is not the other's.

- Mautic: `Webhook-Signature: base64_encode(hash_hmac('sha256', $payload, $secret, true))`
  over the raw JSON body.
- HubSpot v3: `X-HubSpot-Signature-v3: base64(HMAC-SHA256(client secret, method + URI +
  body + timestamp))`, with `X-HubSpot-Request-Timestamp` in milliseconds.
- Generic: `Convener-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as a
  Zapier Code step or an n8n Crypto node computes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime


def mautic(secret: str, body: bytes) -> dict[str, str]:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return {"Webhook-Signature": base64.b64encode(digest).decode("ascii")}


def hubspot_v3(secret: str, method: str, uri: str, body: bytes, at: datetime) -> dict[str, str]:
    timestamp = str(int(at.timestamp() * 1000))
    source = f"{method}{uri}{body.decode('utf-8')}{timestamp}".encode()
    digest = hmac.new(secret.encode("utf-8"), source, hashlib.sha256).digest()
    return {
        "X-HubSpot-Signature-v3": base64.b64encode(digest).decode("ascii"),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


def generic(secret: str, body: bytes, at: datetime) -> dict[str, str]:
    t = str(int(at.timestamp()))
    v1 = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Convener-Signature": f"t={t},v1={v1}"}
