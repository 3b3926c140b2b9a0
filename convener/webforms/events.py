"""What a processed submission tells the rest of Convener.

`contact_submitted_form` is the one call the submission path makes once a submission's
contact is known, inside the transaction that processes it (in the request or in the
worker). Packages above webforms (campaigns: a form source, a "submits form" decision)
listen to `form_submitted` from their AppConfig.ready; webforms cannot import them.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with form_id, contact_id and submission_id.
form_submitted = Signal()


def contact_submitted_form(form_id: int, contact_id: int, submission_id: int) -> None:
    form_submitted.send(
        sender=None, form_id=form_id, contact_id=contact_id, submission_id=submission_id
    )
