"""Contacts and the custom fields that describe them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from convener.plaintext import single_line_error
from convener.timezones import validate_timezone


class CustomField(models.Model):
    """A typed field that contacts may carry (e.g. "Preferred date", a datetime)."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        DATETIME = "datetime", "Date and time"
        BOOLEAN = "boolean", "Yes/no"

    key = models.SlugField(max_length=64, unique=True, help_text="Used in the API and templates")
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Contact(models.Model):
    email = models.EmailField(unique=True)
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

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Names and the address end up in email headers (To, and the title of meetings
        # made from templates): refused with a line break, not cleaned up silently.
        labels = {
            "email": "email address",
            "first_name": "first name",
            "last_name": "last name",
            "company": "company",
        }
        problems = {
            field: f"The {label} {problem}."
            for field, label in labels.items()
            if (problem := single_line_error(str(getattr(self, field) or "")))
        }
        if problems:
            raise ValidationError(problems)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def field_value(self, key: str) -> Any:
        return (self.fields or {}).get(key)
