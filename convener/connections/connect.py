"""Turning a successful sign-in or organization credential into a saved Connection."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from convener.connections.configuration import provider_settings
from convener.connections.models import Connection
from convener.providers.base import AccountIdentity
from convener.providers.http import BearerAuth, make_client
from convener.providers.oauth import TokenSet
from convener.providers.recipe import ProviderRecipe
from convener.team.models import User


class _StaticToken:
    """A token source for the identify call made right after connecting."""

    def __init__(self, token: str) -> None:
        self.value = token

    def token(self) -> str:
        return self.value

    def refresh(self, rejected: str) -> str:
        return self.value


def identify(
    recipe: ProviderRecipe, tokens: TokenSet, *, app_only: bool, host_email: str | None
) -> AccountIdentity:
    """Who the account behind `tokens` is, and what it lacks (the recipe's pre-check)."""
    settings = provider_settings()
    with make_client(
        recipe.api_url(settings),
        timeout=settings.timeout,
        auth=BearerAuth(_StaticToken(tokens.access_token)),
    ) as http:
        return recipe.identify(http, app_only=app_only, host_email=host_email)


def save_connection(
    *,
    recipe: ProviderRecipe,
    level: str,
    kind: str,
    user: User,
    identity: AccountIdentity,
    secrets: dict[str, Any],
    expires_at: float | None = None,
) -> Connection:
    """Create the connection, or update the one of the same account (a reconnect)."""
    from datetime import UTC, datetime

    with transaction.atomic():
        connection = _same_account(recipe, level, user, identity) or Connection(
            provider=recipe.slug, level=level, user=user
        )
        connection.kind = kind
        connection.account_email = identity.email
        connection.account_name = identity.name
        connection.external_id = identity.external_id
        connection.problems = list(identity.problems)
        connection.status = Connection.Status.ACTIVE
        connection.status_reason = ""
        connection.secrets = secrets
        connection.access_expires_at = (
            datetime.fromtimestamp(expires_at, UTC) if expires_at else None
        )
        connection.connected_at = timezone.now()
        connection.save()
    return connection


def _same_account(
    recipe: ProviderRecipe, level: str, user: User, identity: AccountIdentity
) -> Connection | None:
    """The saved connection these credentials repair, locked (the row lock is what a
    worker about to park a meeting on it waits for).

    A user's account is matched by the provider's id of it. An organization has one
    account per provider: credentials entered again repair it, whoever was the user they
    were checked with (that user is only the check; the organization account's id is
    read through them, so it changes with them)."""
    match = Connection.objects.select_for_update().filter(provider=recipe.slug, level=level)
    if level == Connection.Level.USER:
        return match.filter(user=user, external_id=identity.external_id).first()
    return (
        match.filter(external_id=identity.external_id).first()
        or match.exclude(status=Connection.Status.ACTIVE).order_by("created_at", "pk").first()
        or match.order_by("created_at", "pk").first()
    )
