"""`convener createadmin`: the first administrator.

The generated password is written to a file readable only by its owner, never printed,
so that it does not end up in terminal logs or CI output.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from convener.team.models import User


class Command(BaseCommand):
    help = "Create an administrator (with --if-none: only when there is none yet)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")
        parser.add_argument("--if-none", action="store_true")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="take the password from this environment variable instead of generating one",
        )

    def handle(
        self,
        *args: Any,
        username: str,
        email: str,
        if_none: bool,
        password_from_env: str | None,
        **options: Any,
    ) -> None:
        if User.objects.filter(is_superuser=True).exists() and if_none:
            self.stdout.write("An administrator exists already; log in with your account.")
            return
        if User.objects.filter(username=username).exists():
            raise CommandError(f"a user named {username!r} exists already")
        if password_from_env:
            password = os.environ.get(password_from_env, "")
            if not password:
                raise CommandError(f"{password_from_env} is empty or not set")
            where = f"the password in ${password_from_env}"
        else:
            password = secrets.token_urlsafe(12)
            path = settings.DATA_DIR / "initial-admin-password"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
            where = f"the password in {path} (delete the file once you have changed it)"
        User.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(
            f"Created the administrator {username!r}. Log in at {settings.SITE_URL}/login/ "
            f"with {where}."
        )
