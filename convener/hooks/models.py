"""An incoming webhook, what it received, and the signatures it has already accepted."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models

from convener.connections import crypto
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction


def token_digest(token: str) -> str:
    """What is stored to find a webhook by its URL token: the token itself is kept only
    encrypted, so that a copy of the database does not hand out working addresses."""
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=256)
def _unseal(sealed: str) -> dict[str, Any]:
    """Decrypted once per process and sealed value: every delivery needs the secret, and a
    new secret is a new sealed value."""
    return crypto.decrypt(sealed)


class Webhook(models.Model):
    class Preset(models.TextChoices):
        MAUTIC = "mautic", "Mautic webhook (Webhook-Signature)"
        HUBSPOT = "hubspot_v3", "HubSpot workflow or app webhook (signature v3)"
        GENERIC = "generic", "Generic signature (Zapier, n8n, Salesforce, your code)"

    name = models.CharField(max_length=100)
    action = models.ForeignKey(MeetingAction, on_delete=models.PROTECT, related_name="webhooks")
    preset = models.CharField(max_length=20, choices=Preset.choices, default=Preset.GENERIC)
    signature_header = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sealed = models.TextField(editable=False)  # the URL token and signing secret, encrypted
    # [{"path": "contact.email", "target": "email"}, ...]: payload path to contact field.
    mapping = models.JSONField(default=list, blank=True)
    event_id_path = models.CharField(max_length=300, blank=True)
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def seal(self, *, token: str | None = None, secret: str | None = None) -> tuple[str, str]:
        """Give the webhook a new URL token and/or signing secret (a fresh one when not
        given); returns both as they now are."""
        kept = self.unsealed() if self.sealed else {}
        token = token or kept.get("token") or secrets.token_urlsafe(32)
        secret = secret or (kept.get("secret") if self.sealed else None)
        secret = secret or secrets.token_urlsafe(32)
        self.sealed = crypto.encrypt({"token": token, "secret": secret})
        self.token_hash = token_digest(token)
        return token, secret

    def unsealed(self) -> dict[str, Any]:
        return _unseal(self.sealed)

    @property
    def token(self) -> str:
        return str(self.unsealed()["token"])

    @property
    def secret(self) -> str:
        return str(self.unsealed()["secret"])


class HookDelivery(models.Model):
    """One request to a webhook's address, as the log page shows it. The body is not
    kept: it holds people's data, and the reason says what was wrong with it. An accepted
    delivery keeps the contact values read from it until the worker has applied them:
    the row is the queue, so a crash between the answer and the work loses nothing."""

    class Outcome(models.TextChoices):
        # Accepted and stored; the worker has not run it yet (convener.hooks.processing).
        PROCESSING = "processing", "Processing"
        PLANNED = "planned", "Meeting planned"
        REPEATED = "repeated", "Already done (the sender's retry)"
        SKIPPED = "skipped", "No meeting"
        INVALID = "invalid", "Payload refused"
        REFUSED = "refused", "Signature refused"
        REPLAYED = "replayed", "Replay refused"
        DISABLED = "disabled", "Webhook disabled"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    values = models.JSONField(default=dict, blank=True)  # emptied once processed
    # When its processing was last queued: the sweep queues again one waiting too long.
    queued_at = models.DateTimeField(null=True, blank=True)
    event_id = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    contact = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="+")
    meeting = models.ForeignKey(Meeting, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["webhook", "-received_at"], name="hook_delivery_recent"),
            # A sender's retry finds the first delivery of its event.
            models.Index(fields=["webhook", "event_id"], name="hook_delivery_event"),
            # The sweep's question: which accepted deliveries are still waiting?
            models.Index(fields=["outcome", "queued_at"], name="hook_delivery_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.status})"


class SeenSignature(models.Model):
    """A signature already accepted: the same signed request again is a replay. Kept for
    the scheme's window, after which its timestamp alone refuses it."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    seen_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "digest"], name="hook_signature_once")
        ]

    def __str__(self) -> str:
        return self.digest
