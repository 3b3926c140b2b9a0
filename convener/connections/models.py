"""A connection is one provider account Convener may create meetings with."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from convener.connections import crypto


class Connection(models.Model):
    class Level(models.TextChoices):
        ORGANIZATION = "organization", "Organization"
        USER = "user", "User"

    class Kind(models.TextChoices):
        OAUTH = "oauth", "Signed-in account (OAuth)"
        SERVICE_ACCOUNT = "service_account", "Google service account"
        CLIENT_CREDENTIALS = "client_credentials", "Microsoft app-only"
        SERVER_TO_SERVER = "server_to_server", "Zoom Server-to-Server"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        DISABLED = "disabled", "Disabled"

    provider = models.CharField(max_length=40)
    level = models.CharField(max_length=16, choices=Level.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.OAUTH)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="connections",
        help_text="The owner of a user connection; who made an organization connection",
    )
    account_email = models.EmailField(blank=True)
    account_name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    # Encrypted JSON: access and refresh tokens, service-account keys, client secrets.
    secret_blob = models.TextField(blank=True, editable=False)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    # The steady pace of calls with this account; empty: the provider's documented default.
    requests_per_second = models.FloatField(
        null=True, blank=True, help_text="Leave empty for the provider's documented limit"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "level", "account_email"]
        permissions = [
            ("use_others_connections", "Can schedule meetings with other users' accounts"),
        ]

    def __str__(self) -> str:
        who = self.account_email or self.account_name or f"#{self.pk}"
        return f"{self.provider} {self.get_level_display().lower()} {who}"

    @property
    def secrets(self) -> dict[str, Any]:
        return crypto.decrypt(self.secret_blob)

    @secrets.setter
    def secrets(self, value: dict[str, Any]) -> None:
        self.secret_blob = crypto.encrypt(value)
