"""Contacts and the custom fields that describe them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.db.models.functions import Lower

from convener.plaintext import single_line_error
from convener.timezones import validate_timezone

CHOICES_MAX = 200
CHOICE_LENGTH = 100
HELP_TEXT_MAX = 300


class CustomField(models.Model):
    """A typed field that contacts may carry (e.g. "Preferred date", a datetime)."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        DATETIME = "datetime", "Date and time"
        CHOICE = "choice", "Choice"
        BOOLEAN = "boolean", "Yes/no"

    key = models.SlugField(max_length=64, unique=True, help_text="Used in the API and templates")
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)
    # The values a "choice" field offers, in the order shown; empty for the other kinds.
    choices = models.JSONField(default=list, blank=True)
    # Shown under the field's input in the contact form.
    help_text = models.CharField(max_length=HELP_TEXT_MAX, blank=True)
    # Where the field stands in the contact form and on a contact's page; fields of equal
    # position (those made before there was an order) keep the order of their labels.
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        super().clean()
        problems: dict[str, str] = {}
        if problem := single_line_error(self.label or ""):
            problems["label"] = f"The label {problem}."
        if problem := single_line_error(self.help_text or ""):
            problems["help_text"] = f"The help text {problem}."
        choices = self.choices if isinstance(self.choices, list) else None
        if choices is None:
            problems["choices"] = "The choices are a list of texts."
        elif self.kind == self.Kind.CHOICE:
            problems.update(_choice_problems(choices))
        elif choices:
            problems["choices"] = "Only a field of the kind “Choice” offers choices."
        if problems:
            raise ValidationError(problems)


def _choice_problems(choices: list[Any]) -> dict[str, str]:
    if not choices:
        return {"choices": "A choice field needs at least one choice."}
    if len(choices) > CHOICES_MAX:
        return {"choices": f"A choice field offers at most {CHOICES_MAX} choices."}
    seen: set[str] = set()
    for choice in choices:
        if not isinstance(choice, str) or not choice.strip():
            return {"choices": "Each choice is a non-empty text."}
        if len(choice) > CHOICE_LENGTH:
            return {"choices": f"A choice has at most {CHOICE_LENGTH} characters: {choice[:20]}…"}
        if problem := single_line_error(choice):
            return {"choices": f"The choice {choice[:40]!r} {problem}."}
        if choice.casefold() in seen:
            return {"choices": f"The choice {choice!r} is there twice."}
        seen.add(choice.casefold())
    return {}


# One contact per address: "Bob@Example.org" and "bob@example.org" reach the same mailbox.
EMAIL_UNIQUE_CONSTRAINT = "crm_contact_email_unique_in_any_case"
DUPLICATE_EMAIL_MESSAGE = "Another contact already has this email address (in any letter case)."


class ContactQuerySet(models.QuerySet["Contact"]):
    def with_email(self, email: str) -> ContactQuerySet:
        """Contacts whose address is `email` in any letter case: how Convener matches an
        address. LOWER() on both sides in SQL, so that the unique index serves the lookup
        and the comparison folds case exactly as the constraint does."""
        return self.alias(email_key=Lower("email")).filter(
            email_key=Lower(models.Value(email, output_field=models.EmailField()))
        )


class Contact(models.Model):
    email = models.EmailField()
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA name; empty means unknown (the action's or the system zone is used)",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
    )
    # Custom field values by CustomField.key, as JSON scalars (dates as ISO strings);
    # validated against the field kinds by convener.crm.fields.clean_field_values.
    fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        indexes = [
            # The contacts list: its default order (by name, letter case ignored) reads
            # a page from this index instead of sorting every contact, and the time-zone
            # filter and its list of zones in use read the other.
            models.Index(
                Lower("last_name"),
                Lower("first_name"),
                Lower("email"),
                F("id"),
                name="crm_contact_by_name",
            ),
            models.Index(fields=["timezone"], name="crm_contact_by_timezone"),
            models.Index(fields=["created_at", "id"], name="crm_contact_by_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name=EMAIL_UNIQUE_CONSTRAINT,
                violation_error_message=DUPLICATE_EMAIL_MESSAGE,
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Two requests can pass clean() with the same address at once; the one that loses
        # the race gets the same field error rather than a bare IntegrityError.
        try:
            with transaction.atomic(using=kwargs.get("using")):
                super().save(*args, **kwargs)
        except IntegrityError as exc:
            if EMAIL_UNIQUE_CONSTRAINT in str(exc):
                raise ValidationError(
                    {"email": ValidationError(DUPLICATE_EMAIL_MESSAGE, "unique")}
                ) from exc
            raise

    def clean(self) -> None:
        # The constraint alone would report a duplicate without naming a field (it is on an
        # expression); checking here names "email", and Django then skips the constraint's
        # own check for a field that already has an error.
        super().clean()
        # Names and the address end up in email headers (To, and the title of meetings
        # made from templates): refused with a line break, not cleaned up silently.
        labels = {
            "email": "email address",
            "first_name": "first name",
            "last_name": "last name",
            "company": "company",
        }
        problems: dict[str, Any] = {
            field: f"The {label} {problem}."
            for field, label in labels.items()
            if (problem := single_line_error(str(getattr(self, field) or "")))
        }
        if (
            "email" not in problems
            and self.email
            and Contact.objects.with_email(self.email).exclude(pk=self.pk).exists()
        ):
            problems["email"] = ValidationError(DUPLICATE_EMAIL_MESSAGE, "unique")
        if problems:
            raise ValidationError(problems)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def field_value(self, key: str) -> Any:
        return (self.fields or {}).get(key)
