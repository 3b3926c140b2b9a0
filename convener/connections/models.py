"""A connection is one provider account Convener may create meetings with."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from convener.connections import crypto
from convener.providers.recipe import OrganizationGrant
from convener.providers.registry import UnknownProvider, recipe


class Connection(models.Model):
    class Level(models.TextChoices):
        ORGANIZATION = "organization", "Organization"
        USER = "user", "User"

    class Kind(models.TextChoices):
        """The kind every provider with a sign-in shares. The other kinds are the
        providers' organization grants (OrganizationGrant.kind), so that a new provider
        needs no migration: `clean` checks a kind against the registry instead."""

        OAUTH = "oauth", "Signed-in account (OAuth)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        DISABLED = "disabled", "Disabled"

    provider = models.CharField(max_length=40)
    level = models.CharField(max_length=16, choices=Level.choices)
    kind = models.CharField(max_length=24, default=Kind.OAUTH)
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
    # For an organization account that acts for named users (a Zoom Server-to-Server
    # app): whom a meeting is made for when its host has no user at the account.
    default_host_email = models.EmailField(
        "Default host",
        blank=True,
        help_text="Meetings whose host has no user at this account are made for this user",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the account was last connected or reconnected (not when a token was renewed):
    # a step that read the row before this moment judged an older state of the account,
    # so its "needs reconnecting" must not park a meeting.
    connected_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["provider", "level", "account_email"]
        permissions = [
            ("use_others_connections", "Can schedule meetings with other users' accounts"),
        ]

    def __str__(self) -> str:
        who = self.account_email or self.account_name or f"#{self.pk}"
        return f"{self.provider} {self.get_level_display().lower()} {who}"

    @property
    def grant(self) -> OrganizationGrant | None:
        """The organization grant this connection was made with; None for a signed-in
        account, or a kind its provider (if still registered) does not have."""
        if self.kind == self.Kind.OAUTH:
            return None
        try:
            grant = recipe(self.provider).organization
        except UnknownProvider:
            return None
        return grant if grant is not None and grant.kind == self.kind else None

    @property
    def kind_label(self) -> str:
        """What the kind is called for people ("Zoom Server-to-Server")."""
        if self.kind == self.Kind.OAUTH:
            return str(self.Kind.OAUTH.label)
        grant = self.grant
        return grant.label if grant is not None else self.kind

    def clean(self) -> None:
        super().clean()
        try:
            organization = recipe(self.provider).organization
        except UnknownProvider as exc:
            raise ValidationError({"provider": str(exc)}) from None
        kinds = [self.Kind.OAUTH.value] + ([organization.kind] if organization else [])
        if self.kind not in kinds:
            raise ValidationError(
                {"kind": f"the kind of a {self.provider} connection is one of {', '.join(kinds)}"}
            )

    @property
    def secrets(self) -> dict[str, Any]:
        return crypto.decrypt(self.secret_blob)

    @secrets.setter
    def secrets(self, value: dict[str, Any]) -> None:
        self.secret_blob = crypto.encrypt(value)
