"""Segment: a named group of contacts. A dynamic segment is its rules (convener.segments
.rules), evaluated whenever its members are asked for, so its membership is always
current and never stored; a static segment is the contacts added to it by hand."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from convener.crm.models import Contact
from convener.timezones import validate_timezone

NAME_MAX = 200


def _default_timezone() -> str:
    return str(settings.DEFAULT_TIMEZONE)


class Segment(models.Model):
    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", "Dynamic"
        STATIC = "static", "Static"

    name = models.CharField(max_length=NAME_MAX)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    # A dynamic segment's rules in the shape convener.segments.rules validates: an OR of
    # AND-groups. Empty for a static segment.
    rules = models.JSONField(default=dict, blank=True)
    # The zone its rules' dates are read in: "created on 3 March" and "within the next 7
    # days" start and end at midnight there, whoever looks at the segment.
    timezone = models.CharField(
        max_length=64, default=_default_timezone, validators=[validate_timezone]
    )
    # Whose segment it is: its owner changes it, and so does an administrator
    # (convener.segments.permissions). Nobody's once the owner is removed.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segments",
    )
    contacts = models.ManyToManyField(
        Contact, through="SegmentMember", related_name="segments", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_dynamic(self) -> bool:
        return self.kind == self.Kind.DYNAMIC


class SegmentMember(models.Model):
    """A contact added by hand to a static segment."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "contact"], name="one_membership_per_contact"
            )
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} in segment {self.segment_id}"
