"""`convener rotate-keys`: re-encrypt every stored credential with the first key."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from convener.connections import crypto
from convener.connections.models import Connection


class Command(BaseCommand):
    help = "Re-encrypt stored credentials with the first key of CONVENER_TOKEN_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for connection in Connection.objects.select_for_update().exclude(secret_blob=""):
                connection.secret_blob = crypto.rotate(connection.secret_blob)
                connection.save(update_fields=["secret_blob"])
                count += 1
        self.stdout.write(f"Re-encrypted the credentials of {count} connection(s).")
