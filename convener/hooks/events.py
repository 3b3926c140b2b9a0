"""What a processed webhook delivery tells the rest of Convener.

`contact_delivered` is the one call the delivery path makes once the delivery's contact
is known, inside the transaction that processes it (in the request or in the worker).
Packages above hooks (campaigns: a webhook source) listen to `contact_arrived` from their
AppConfig.ready; hooks cannot import them.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with webhook_id, contact_id and event_id (the sender's event, or the body's hash).
contact_arrived = Signal()


def contact_delivered(webhook_id: int, contact_id: int, event_id: str) -> None:
    contact_arrived.send(
        sender=None, webhook_id=webhook_id, contact_id=contact_id, event_id=event_id
    )
