"""Jobs, their resources (team members allocated to them), the organization's meeting
automation settings, and the resources' private calendar feed tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from convener.timezones import validate_timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PENDING_ALLOCATION = "pending_allocation", "Pending Allocation"
    PENDING_DISPATCH = "pending_dispatch", "Pending Dispatch"
    DISPATCHED = "dispatched", "Dispatched"
    READY = "ready", "Ready"
    IN_PROGRESS = "in_progress", "In Progress"
    COMPLETE = "complete", "Complete"
    CANCELLED = "cancelled", "Cancelled"


class Job(models.Model):
    """A work item: something to do for a client at a time, by team members.

    Start and end are UTC instants and `timezone` the zone the job was planned in
    (invariant 3); a job without a start is not scheduled yet (Queued)."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    # Deleting a contact deletes its jobs: their meetings were cancelled with the
    # contact's other upcoming meetings first (convener.scheduling.removal).
    contact = models.ForeignKey(
        "crm.Contact",
        on_delete=models.CASCADE,
        related_name="jobs",
        help_text="The primary contact",
    )
    # Further client contacts: with any, the job is a group event.
    attendees = models.ManyToManyField("crm.Contact", blank=True, related_name="attended_jobs")
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # Which meeting of the job is current: raised when a meeting was cancelled because the
    # job left Ready, so that reaching Ready again makes a new one (see automation.py).
    meeting_round = models.PositiveIntegerField(default=0)
    # Why the automation could not make the job's meeting (no provider, no account).
    meeting_problem = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["status", "start"], name="job_status_start_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def scheduled(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def local_start(self) -> datetime | None:
        return self.start.astimezone(self.zone) if self.start else None

    @property
    def local_end(self) -> datetime | None:
        return self.end.astimezone(self.zone) if self.end else None

    @property
    def duration_minutes(self) -> int:
        if self.start is None or self.end is None:
            return 0
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def is_group_event(self) -> bool:
        return self.attendees.exists()


class AllocationState(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"


class Allocation(models.Model):
    """A team member assigned to a job, and whether they have confirmed."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="allocations")
    resource = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="allocations"
    )
    state = models.CharField(
        max_length=12, choices=AllocationState.choices, default=AllocationState.PENDING
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "resource"], name="one_allocation_per_resource")
        ]

    def __str__(self) -> str:
        return f"{self.resource} on {self.job}: {self.state}"


class MeetingAutomation(models.Model):
    """The organization's virtual meeting settings (one row): which provider makes the
    jobs' meetings, and whether and how the automation runs.

    An empty `provider` means none is configured: no meeting is made, and the job pages
    say so. Disabling keeps every option; enabling again asks to confirm them."""

    provider = models.CharField(max_length=40, blank=True)
    enabled = models.BooleanField(default=False)
    passcode = models.CharField(max_length=10, blank=True, help_text="For providers with passcodes")
    enable_attendees = models.BooleanField(default=False)
    send_ics = models.BooleanField(default=True)
    # A job that leaves Ready before it starts keeps its meeting unless this is on.
    cancel_when_unready = models.BooleanField(default=False)
    # The incoming status webhook: its address holds `webhook_key`, and every call is
    # signed with `webhook_secret` (HMAC-SHA256 of the body). Empty: switched off.
    webhook_key = models.CharField(max_length=64, blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True)
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Meeting automation ({self.provider or 'no provider'})"

    def renew_webhook(self) -> None:
        """A new address and secret for the status webhook; the old ones stop working."""
        self.webhook_key = secrets.token_urlsafe(18)
        self.webhook_secret = secrets.token_urlsafe(32)
        self.save()

    @classmethod
    def current(cls) -> MeetingAutomation:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class FeedToken(models.Model):
    """A member's private calendar subscription. The secret is kept as it is (as
    calendar services keep their secret addresses) so the member can copy the URL again;
    renewing replaces it, revoking deletes it, and either way the old URL stops working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_feed"
    )
    secret = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"

    @classmethod
    def issue(cls, user: models.Model) -> FeedToken:
        """A new secret for `user`'s feed; the old one stops working."""
        token, _ = cls.objects.update_or_create(
            user=user, defaults={"secret": secrets.token_urlsafe(32)}
        )
        return token
