"""Team members and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from convener.plaintext import single_line_error
from convener.timezones import validate_timezone


def _default_timezone() -> str:
    return str(settings.DEFAULT_TIMEZONE)


class User(AbstractUser):
    """A team member: hosts meetings, owns contacts, connects provider accounts."""

    timezone = models.CharField(
        max_length=64, default=_default_timezone, validators=[validate_timezone]
    )
    # Whether the member chose `timezone` themselves (on their profile, or by answering the
    # browser's offer). Until then pages offer the browser's zone once: a zone nobody
    # chose is the installation's default, and times read in it may be hours off.
    timezone_chosen = models.BooleanField(default=False)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        # A host's address is the invitations' Reply-To and the calendar's ORGANIZER, and
        # its name is shown with it: a line break there would break the header.
        super().clean()
        problems = {
            field: f"This {problem}."
            for field in ("email", "first_name", "last_name")
            if (problem := single_line_error(str(getattr(self, field) or "")))
        }
        if problems:
            raise ValidationError(problems)

    def __str__(self) -> str:
        return self.display_name


class Access(models.Model):
    """Holds the permissions of `convener.team.access`; it has no table and no rows.

    Contacts and meetings live in other apps, but who may see and change them is one
    model of its own, so its permissions are declared together here."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = "access"
        verbose_name_plural = "access"
        permissions = [
            ("view_own_contacts", "Can view their own contacts"),
            ("view_others_contacts", "Can view other members' contacts"),
            ("edit_own_contacts", "Can edit their own contacts"),
            ("edit_others_contacts", "Can edit other members' contacts"),
            ("view_own_meetings", "Can view the meetings they host"),
            ("view_others_meetings", "Can view meetings other members host"),
            ("edit_own_meetings", "Can change the meetings they host"),
            ("edit_others_meetings", "Can change meetings other members host"),
        ]

    def __str__(self) -> str:
        return "access"


TOKEN_PREFIX = "cnv_"  # noqa: S105 (a prefix, not a secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest is stored; the token itself is
    shown once, when it is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=plaintext[:12], digest=_digest(plaintext)
        )
        return token, plaintext

    @classmethod
    def authenticate(cls, plaintext: str) -> User | None:
        if not plaintext.startswith(TOKEN_PREFIX):
            return None
        token = cls.objects.select_related("user").filter(digest=_digest(plaintext)).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
