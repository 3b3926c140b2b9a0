"""`convener rotate-webhook-keys`: re-encrypt every webhook's address token and signing
secret with the first key, as `convener rotate-keys` does for connections' credentials
(connections cannot name webhooks: they sit below them)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from convener.connections import crypto
from convener.hooks.models import Webhook


class Command(BaseCommand):
    help = "Re-encrypt webhooks' tokens and secrets with the first key of CONVENER_TOKEN_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for webhook in Webhook.objects.select_for_update():
                webhook.sealed = crypto.rotate(webhook.sealed)
                webhook.save(update_fields=["sealed"])
                count += 1
        self.stdout.write(f"Re-encrypted the secrets of {count} webhook(s).")
