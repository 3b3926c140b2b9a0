"""One delivery to a webhook: from the raw request to the answer and its log row.

The order is the order of trust: the address, the size, the signature and its freshness,
then the body, then the values, and only then anything saved. An accepted delivery is
stored (the remembered signature, the log row with the contact values, and its task) in
one short transaction, and answered 202: the worker then makes the contact and the
meeting (convener.hooks.processing), and the sender reads the outcome at the status URL
the answer carries.

Answers (JSON, the API's error shape for errors):
  202 {"delivery": id, "event_id": ..., "repeated": bool, "status_url": ..., ...}
  400 body not JSON · 401 signature missing, wrong or stale · 404 no such webhook
  409 replay · 410 disabled · 413 too large · 415 not JSON · 422 a value is wrong
A delivery whose action then makes no meeting (no account can host it) ends "skipped",
with the reason, at its status URL: the payload was right, and the contact is saved.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from convener import timeplan
from convener.crm.models import Contact
from convener.db.rows import unique_row
from convener.hooks import payload as paths
from convener.hooks.models import HookDelivery, SeenSignature, Webhook, token_digest
from convener.hooks.signing import (
    SCHEMES,
    SignatureRefused,
    SignedRequest,
    check_payload_time,
    verify,
)
from convener.hooks.status import status_body
from convener.hooks.tasks import process_delivery
from convener.intake.start import field_of_timing, planned_start
from convener.intake.values import read_values, targets_for
from convener.meetings.triggers import OCCURRENCE_MAX

MAX_BODY = 256 * 1024  # a contact's worth of data is a few kilobytes
KEEP_DELIVERIES = 1000  # per webhook, for the log page
EVENT_HEADERS = ("Idempotency-Key", "X-Event-Id")
REFUSED_PER_MINUTE = 30


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    outcome: str = ""
    reason: str = ""
    event_id: str = ""
    contact_id: int | None = None
    meeting_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Refusal(Exception):
    status: int
    outcome: str
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)
    event_id: str = ""  # known once the signature held: a replay's log row shows it

    def answer(self) -> Answer:
        reason = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors) or self.detail
        return Answer(
            self.status,
            {"detail": self.detail, "errors": self.errors},
            self.outcome,
            reason,
            self.event_id,
        )


def _refused(status: int, outcome: str, field_name: str, message: str, detail: str) -> Refusal:
    return Refusal(status, outcome, detail, [{"field": field_name, "message": message}])


def find(token: str) -> Webhook | None:
    found = unique_row(
        Webhook.objects.select_related("action").filter(token_hash=token_digest(token))
    )
    # The digest lookup finds it; the constant-time comparison is what lets it in.
    if found is None or not _same_token(found.token, token):
        return None
    return found


def _same_token(stored: str, given: str) -> bool:
    import hmac

    return hmac.compare_digest(stored.encode(), given.encode())


def receive(
    webhook: Webhook, request: SignedRequest, content_type: str, *, now: datetime | None = None
) -> Answer:
    """Carry out one delivery and log it."""
    now = now or timezone.now()
    try:
        return _deliver(webhook, request, content_type, now)  # logged in its transaction
    except Refusal as refusal:
        answer = refusal.answer()
    if answer.status == 401 and _refusing_too_many(webhook, now):
        return Answer(
            429,
            {
                "detail": "too many refused signatures",
                "errors": [
                    {"field": webhook.signature_header, "message": "wait a minute and sign again"}
                ],
            },
            headers={"Retry-After": "60"},
        )
    _log(webhook, answer)
    return answer


def _refusing_too_many(webhook: Webhook, now: datetime) -> bool:
    """Someone posting wrong signatures fast (guessing, or a sender with an old secret):
    past REFUSED_PER_MINUTE they get 429 and fill the log no further. Valid deliveries are
    never slowed: this is asked only after a refusal."""
    recent = HookDelivery.objects.filter(
        webhook=webhook, outcome="refused", received_at__gte=now - timedelta(minutes=1)
    )
    return recent.count() >= REFUSED_PER_MINUTE


def _deliver(webhook: Webhook, request: SignedRequest, content_type: str, now: datetime) -> Answer:
    if not webhook.enabled:
        raise _refused(410, "disabled", "path", "this webhook is disabled", "webhook disabled")
    if len(request.body) > MAX_BODY:
        message = f"the body is larger than {MAX_BODY:,} bytes"
        raise _refused(413, "invalid", "body", message, "the request is too large")
    try:
        signature = verify(
            webhook.preset, webhook.signature_header, webhook.secret, request, now=now
        )
        document = _json(request.body, content_type)
        check_payload_time(webhook.preset, document, now)
    except SignatureRefused as refused:
        raise _refused(
            401, "refused", refused.field, refused.message, "the signature is refused"
        ) from None
    event_id = _event_id(webhook, request, document)
    values, errors, given = read_mapped(webhook, document)
    if errors:
        raise Refusal(422, "invalid", "the payload is not valid", errors)
    timing_field = field_of_timing(webhook.action)
    if timing_field in _targets_mapped(webhook):
        # The sender's value decides the time: a time the action cannot plan is refused
        # now, naming its path, rather than skipped later where the sender cannot see it.
        existing = unique_row(Contact.objects.with_email(values.email))
        start = planned_start(webhook.action, values, existing, browser_timezone=None, now=now)
        if isinstance(start, timeplan.SkippedRecipient):
            path = _path_of(webhook, timing_field or "")
            raise Refusal(
                422,
                "invalid",
                "the payload is not valid",
                [{"field": path, "message": start.reason}],
            )
    try:
        return _accept(webhook, given, event_id, signature, now)
    except Refusal as refusal:
        refusal.event_id = event_id
        raise


def _json(body: bytes, content_type: str) -> Any:
    kind = content_type.split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise _refused(
            415,
            "invalid",
            "Content-Type",
            f"send the payload as application/json, not {kind or 'nothing'}",
            "the body is not JSON",
        )
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise _refused(
            400, "invalid", "body", f"not valid JSON: {error}", "the body could not be read"
        ) from None


def _event_id(webhook: Webhook, request: SignedRequest, document: Any) -> str:
    """The sender's id for this event: its idempotency header, the configured payload
    path, or else the body's digest (a retry sends the same body)."""
    for name in EVENT_HEADERS:
        if given := request.header(name):
            return given[:200]
    if webhook.event_id_path:
        found = paths.value_at(document, webhook.event_id_path)
        if isinstance(found, str | int) and not isinstance(found, bool) and str(found).strip():
            return str(found).strip()[:200]
    return "body-" + hashlib.sha256(request.body).hexdigest()[:32]


def occurrence(event_id: str) -> str:
    if len(event_id) <= OCCURRENCE_MAX:
        return event_id
    return "sha256-" + hashlib.sha256(event_id.encode()).hexdigest()


def read_payload(webhook: Webhook, document: Any) -> tuple[Any, list[dict[str, str]]]:
    """The contact values the mapping finds in `document`, and every problem named by the
    payload path it came from (with the contact field it was meant for)."""
    values, errors, _ = read_mapped(webhook, document)
    return values, errors


def read_mapped(
    webhook: Webhook, document: Any
) -> tuple[Any, list[dict[str, str]], dict[str, object]]:
    """As read_payload, with the scalars found by target key: what the worker reads again
    (JSON as the payload had it, so it is stored as it came)."""
    # Read once: the labels here, the readers in read_values.
    known = targets_for(str(row.get("target", "")) for row in webhook.mapping)
    labels = {t.key: t.label for t in known}
    given: dict[str, object] = {}
    path_of: dict[str, str] = {}
    errors: list[dict[str, str]] = []
    for row in webhook.mapping:
        path, target = str(row.get("path", "")), str(row.get("target", ""))
        found = paths.value_at(document, path)
        path_of[target] = path
        if found is paths.MISSING:
            continue
        try:
            given[target] = paths.scalar(found)
        except TypeError as error:
            errors.append({"field": path, "message": f"{labels.get(target, target)}: {error}"})
    values = read_values(given, known)
    for problem in values.problems:
        where = path_of.get(problem.target, problem.target)
        label = labels.get(problem.target, problem.target)
        message = problem.message
        if problem.target == "email" and problem.target not in given:
            message = f"no email address at {where or 'any mapped path'}; every contact needs one"
        errors.append({"field": where or "email", "message": f"{label}: {message}"})
    return values, errors, given


def _targets_mapped(webhook: Webhook) -> set[str]:
    return {str(row.get("target", "")) for row in webhook.mapping}


def _path_of(webhook: Webhook, target: str) -> str:
    for row in webhook.mapping:
        if row.get("target") == target:
            return str(row.get("path", target))
    return target


def _accept(
    webhook: Webhook, given: dict[str, object], event_id: str, signature: str, now: datetime
) -> Answer:
    """The delivery stored for the worker, or the first delivery of the same event."""
    with transaction.atomic():
        _remember(webhook, signature, now)
        # A retry of an event that made its meeting (or is making it) is answered with
        # that delivery; one that made none (no account could host it) is run again.
        # Most deliveries are new events: the id alone says so, and only a retry loads the
        # row with its meeting (selecting every column of both cost more CPU than the rest
        # of the delivery's queries together).
        first_id = (
            HookDelivery.objects.filter(
                webhook=webhook,
                event_id=event_id[:200],
                outcome__in=[HookDelivery.Outcome.PROCESSING, HookDelivery.Outcome.PLANNED],
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:1]
        )
        if found := list(first_id):
            first = HookDelivery.objects.select_related("meeting").get(pk=found[0])
            answer = answer_of(first, repeated=True)
            _log(webhook, answer)
            return answer
        delivery = HookDelivery.objects.create(
            webhook=webhook,
            status=202,
            outcome=HookDelivery.Outcome.PROCESSING,
            event_id=event_id[:200],
            values=given,
            queued_at=now,
        )
        process_delivery.enqueue(delivery.pk)
        if random.random() < 0.01:
            _trim(webhook)
    return answer_of(delivery, repeated=False)


def answer_of(delivery: HookDelivery, *, repeated: bool) -> Answer:
    """The 202 for `delivery` (or for a retry of its event): what is known so far."""
    body = status_body(delivery)
    body["repeated"] = repeated
    outcome = HookDelivery.Outcome.REPEATED if repeated else HookDelivery.Outcome.PROCESSING
    return Answer(
        202,
        body,
        outcome,
        "" if not repeated else f"the event was first received as delivery {delivery.pk}",
        delivery.event_id,
        delivery.contact_id,
        delivery.meeting_id,
    )


def _remember(webhook: Webhook, signature: str, now: datetime) -> None:
    """Keep the signature for twice its scheme's window: inside it the same request is a
    replay, after it the timestamp is stale."""
    digest = hashlib.sha256(signature.encode()).hexdigest()
    # No savepoint of its own: a replay aborts the whole delivery's transaction anyway.
    try:
        SeenSignature.objects.create(webhook=webhook, digest=digest)
    except IntegrityError:
        raise _refused(
            409,
            "replayed",
            webhook.signature_header,
            "this signed request was already received; a retry must be signed again",
            "replayed request",
        ) from None
    if random.random() < 0.01:  # housekeeping, not security
        window = SCHEMES[webhook.preset].tolerance * 2
        SeenSignature.objects.filter(seen_at__lt=now - window).delete()


def _log(webhook: Webhook, answer: Answer) -> None:
    """A log row for an answer that asks nothing more of the worker."""
    HookDelivery.objects.create(
        webhook=webhook,
        status=answer.status,
        outcome=answer.outcome or "invalid",
        event_id=answer.event_id[:200],
        reason=answer.reason[:2000],
        contact_id=answer.contact_id,
        meeting_id=answer.meeting_id,
    )
    if random.random() < 0.01:
        _trim(webhook)


def _trim(webhook: Webhook) -> None:
    old = HookDelivery.objects.filter(webhook=webhook).values_list("pk", flat=True)[
        KEEP_DELIVERIES : KEEP_DELIVERIES + 1
    ]
    if boundary := list(old):
        # Never a delivery still waiting for the worker: that row is its queue.
        HookDelivery.objects.filter(webhook=webhook, pk__lte=boundary[0]).exclude(
            outcome=HookDelivery.Outcome.PROCESSING
        ).delete()


def headers_of(meta: Mapping[str, Any]) -> dict[str, str]:
    """A WSGI environ's HTTP headers by lower-case name."""
    found = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in meta.items()
        if key.startswith("HTTP_")
    }
    return found
