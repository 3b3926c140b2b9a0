"""WebForm, its fields, and the submissions visitors made.

A submission is a row before anything else happens to it: whatever the contact or the
meeting action then does, what the visitor sent is kept, with the zone their browser
reported and when it arrived.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction

NAME_MAX = 200
KEY_MAX = 64
LABEL_MAX = 200
HELP_MAX = 300
NONCE_MAX = 64


def new_slug() -> str:
    """The public address of a form: unguessable, so an unpublished or unlisted form is
    not found by trying names."""
    return secrets.token_urlsafe(9).replace("_", "x").replace("-", "y")


def new_fields_version() -> str:
    return secrets.token_hex(8)


def fields_changed(form_id: int) -> None:
    """Mark the form's fields as changed (see `WebForm.fields_version`)."""
    WebForm.objects.filter(pk=form_id).update(fields_version=new_fields_version())


class WebForm(models.Model):
    name = models.CharField(max_length=NAME_MAX)
    slug = models.SlugField(max_length=32, unique=True, default=new_slug)
    # Whose form it is: its owner changes it and reads its submissions, as do
    # administrators (convener.webforms.permissions). New contacts are the owner's.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="web_forms",
    )
    published = models.BooleanField(default=False)
    title = models.CharField(max_length=NAME_MAX, blank=True)  # shown above the fields
    introduction = models.TextField(blank=True)
    submit_label = models.CharField(max_length=60, default="Send")
    thank_you_message = models.TextField(default="Thank you! We received your request.")
    # Where the visitor goes after a submission, instead of the thank-you page.
    redirect_url = models.URLField(blank=True)
    # The visitor's IANA zone, reported by the page's script, leads the zone chain.
    detect_browser_timezone = models.BooleanField(default=True)
    # The form's actions, run in this order after the contact is saved.
    action = models.ForeignKey(
        MeetingAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="web_forms"
    )
    segment = models.ForeignKey(
        "segments.Segment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="web_forms",
    )
    notify_owner = models.BooleanField(default=False)
    # Changed whenever a field of the form is added, changed, moved or removed: the public
    # page keeps the fields it read under it (convener.webforms.field_cache). Random,
    # not a counter: a form made again under a number used before (a rolled-back
    # transaction) cannot meet the fields of the one before.
    fields_version = models.CharField(max_length=32, default=new_fields_version)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def heading(self) -> str:
        return self.title or self.name


class FieldKind(models.TextChoices):
    TEXT = "text", "Text"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    TEXTAREA = "textarea", "Paragraph"
    SELECT = "select", "Choice list"
    CHECKBOX = "checkbox", "Checkbox"
    DATE = "date", "Date"
    DATETIME = "datetime", "Date and time"
    HIDDEN = "hidden", "Hidden"


class FormField(models.Model):
    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="fields")
    # The input's name on the public page and the column of the CSV export.
    key = models.SlugField(max_length=KEY_MAX)
    label = models.CharField(max_length=LABEL_MAX)
    kind = models.CharField(max_length=12, choices=FieldKind.choices, default=FieldKind.TEXT)
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=HELP_MAX, blank=True)
    # The contact field it fills: an intake target key ("email", "fields.<key>"), or ""
    # for a value kept with the submission only.
    target = models.CharField(max_length=KEY_MAX + 10, blank=True)
    choices = models.JSONField(default=list, blank=True)  # a choice list's options
    max_length = models.PositiveIntegerField(null=True, blank=True)
    pattern = models.CharField(max_length=200, blank=True)  # a regular expression
    pattern_message = models.CharField(max_length=HELP_MAX, blank=True)
    default = models.CharField(max_length=500, blank=True)  # a hidden field's value
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="one_field_key_per_form")
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        fields_changed(self.form_id)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        done = super().delete(*args, **kwargs)
        fields_changed(self.form_id)
        return done


class SubmissionStatus(models.TextChoices):
    # Stored and waiting for the worker: the contact, the segment and the meeting action
    # are done behind the visitor's answer (convener.webforms.processing).
    PROCESSING = "processing", "Being processed"
    SCHEDULED = "scheduled", "Meeting planned"
    RECEIVED = "received", "Received"  # no meeting action on the form
    NOT_SCHEDULED = "not_scheduled", "No meeting"
    SPAM = "spam", "Held as spam"


class Submission(models.Model):
    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    # The render token's nonce: a double click, a retry or a re-posted page carries the
    # same one, and finds this row instead of making another.
    nonce = models.CharField(max_length=NONCE_MAX)
    values = models.JSONField(default=dict)  # field key -> the text the visitor sent
    # The contact values read from it (intake target -> value), checked when it arrived
    # and applied by the worker.
    intake = models.JSONField(default=dict, blank=True)
    browser_timezone = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When its processing was last queued: the sweep queues again one waiting too long.
    queued_at = models.DateTimeField(null=True, blank=True)
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED
    )
    reason = models.TextField(blank=True)  # why no meeting, in the admin's words
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "nonce"], name="one_submission_per_render")
        ]
        indexes = [
            models.Index(fields=["remote_address", "received_at"]),
            # The sweep's question: which stored submissions are still waiting?
            models.Index(fields=["status", "queued_at"], name="submission_waiting"),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} of form {self.form_id}"
