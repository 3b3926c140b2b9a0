"""MeetingAction (the reusable "Schedule Online Meeting" configuration), Meeting and the
records around it: attendees, provider attempts, invitation deliveries."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from convener.db import changes
from convener.meetings.triggers import OCCURRENCE_MAX, SOURCE_MAX, TriggerKind, TriggerRef
from convener.timezones import validate_timezone


class TimingMode(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DELAY = "delay", "After a delay"
    FIXED = "fixed", "At a fixed date and time"
    FIELD = "field", "From a date or datetime field"
    SMART = "smart", "Smart scheduling"


class CredentialsPolicy(models.TextChoices):
    CONTACT_OWNER = "contact_owner", "Contact owner's account"
    ORGANIZATION = "organization", "Organization account"
    NAMED_USER = "named_user", "A named user's account"


DEFAULT_TIMEZONE_CHAIN = ["browser", "contact", "action", "default"]


class MeetingAction(models.Model):
    """Everything a trigger needs to schedule meetings, stored once and reused by bulk
    launches, segments, forms, campaigns, work items and booking pages. The contact popup
    and POST /meetings fill one in without saving it: their settings live on the meetings.

    `timing` holds the timing parameters in the planner's SPEC shape (see docs/timeplan.md),
    so the planner reads it as it is.
    """

    name = models.CharField(max_length=200)
    provider = models.CharField(max_length=40, default="jitsi")
    credentials = models.CharField(
        max_length=20, choices=CredentialsPolicy.choices, default=CredentialsPolicy.ORGANIZATION
    )
    named_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fallback = models.CharField(
        max_length=20,
        choices=CredentialsPolicy.choices,
        blank=True,
        help_text="Used when the first choice has no usable connection",
    )
    title_template = models.CharField(max_length=300, default="Meeting with {{ contact.name }}")
    description_template = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(default=30)
    timing = models.JSONField(default=dict, blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="The action's zone; empty means the system default",
    )
    timezone_chain = models.JSONField(default=list, blank=True)
    send_invitations = models.BooleanField(default=True)
    include_attendees = models.BooleanField(default=True)
    internal_attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+"
    )
    external_emails = models.JSONField(default=list, blank=True)
    passcode = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def timing_mode(self) -> str:
        return str((self.timing or {}).get("mode", TimingMode.IMMEDIATE))

    @property
    def chain(self) -> list[str]:
        return list(self.timezone_chain or DEFAULT_TIMEZONE_CHAIN)


class MeetingState(models.TextChoices):
    PLANNED = "planned", "Planned"
    CREATING = "creating", "Creating link"
    LINKED = "linked", "Linked"
    INVITED = "invited", "Invited"
    LINK_FAILED = "link_failed", "Link failed"
    # Made at the provider, which is still preparing the link (a pending Google Meet
    # conference): read again soon; not a failure.
    LINK_PENDING = "link_pending", "Waiting for the link"
    WAITING_CONNECTION = "waiting_connection", "Waiting for connection"
    WAITING_QUOTA = "waiting_quota", "Waiting for quota"
    CANCELLED = "cancelled", "Cancelled"


def new_meeting_key() -> str:
    """128 random bits in lowercase base32hex: a valid Google event id, a Graph transactionId
    and a Zoom agenda marker alike."""
    return base64.b32hexencode(uuid.uuid4().bytes).decode().rstrip("=").lower()


class Meeting(models.Model):
    """One online meeting with one contact. Saved before any provider call (invariant 1);
    its `key` makes every provider call for it idempotent."""

    key = models.CharField(max_length=64, unique=True, default=new_meeting_key, editable=False)
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)  # the ICS UID
    # What made it (convener.meetings.triggers): same trigger reference and same contact,
    # same key here, so a re-run finds the meeting instead of making a second one; the
    # source leads back from a form, a work item or a booking page to its meetings.
    trigger_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    trigger = models.CharField(max_length=20, choices=TriggerKind.choices, default=TriggerKind.API)
    trigger_source = models.CharField(max_length=SOURCE_MAX, blank=True)
    action = models.ForeignKey(
        MeetingAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_meetings",
    )
    provider = models.CharField(max_length=40)
    connection = models.ForeignKey(
        "connections.Connection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # removing a connection leaves its meetings as they are
        related_name="meetings",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    start = models.DateTimeField()  # UTC instant
    end = models.DateTimeField()
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    timezone_source = models.CharField(max_length=16, blank=True)
    planning_note = models.CharField(
        max_length=200, blank=True, help_text="e.g. moved forward out of a DST gap"
    )
    # Why another account than the one the action names hosts it (that one needed
    # reconnecting when the meeting was asked for).
    host_note = models.CharField(max_length=300, blank=True)
    state = models.CharField(
        max_length=20, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    state_reason = models.TextField(blank=True)
    join_url = models.URLField(max_length=2000, blank=True)
    manual_link = models.BooleanField(default=False)
    passcode = models.CharField(max_length=32, blank=True)
    # The passcode asked for when it was scheduled; `passcode` may be the provider's. A
    # cleared manual link makes the meeting again with this one.
    requested_passcode = models.CharField(max_length=10, blank=True)
    provider_meeting_id = models.CharField(max_length=255, blank=True)
    provider_data = models.JSONField(default=dict, blank=True)
    sequence = models.PositiveIntegerField(default=0)  # ICS SEQUENCE, raised on every change
    # The version the provider has (-1: nothing made there yet). Less than `sequence`: the
    # remote meeting must be updated. The dispatcher keeps the provider in step with the row.
    remote_sequence = models.IntegerField(default=-1)
    cancel_requested = models.BooleanField(default=False)
    send_invitations = models.BooleanField(default=True)
    # Dispatch: which pacing lane the meeting's provider calls go through (its connection,
    # or its provider when it needs no account), when it next needs work (null: none),
    # and who is working on it until when.
    lane = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["lane", "next_attempt_at"]),
            models.Index(fields=["next_attempt_at"]),
            models.Index(fields=["state"]),
            models.Index(fields=["trigger", "trigger_source"]),
            # The meetings list: upcoming (start ascending) and past (descending) are
            # both read from one index in start order, and a member who sees only the
            # meetings they host reads theirs from the host's.
            models.Index(fields=["start", "id"], name="meeting_start_idx"),
            models.Index(fields=["host", "start", "id"], name="meeting_host_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        changes.forget(self)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        changes.forget(self)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def in_own_zone(self, instant: datetime) -> datetime:
        """`instant` in the meeting's zone; in UTC when that zone cannot express it (a
        meeting saved at the end of year 9999, before starts were bounded, east of UTC)."""
        try:
            return instant.astimezone(self.zone)
        except OverflowError:
            return instant.astimezone(UTC)

    @property
    def local_start(self) -> datetime:
        return self.in_own_zone(self.start)

    @property
    def local_end(self) -> datetime:
        return self.in_own_zone(self.end)

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def is_terminal(self) -> bool:
        return self.state in {MeetingState.INVITED, MeetingState.CANCELLED}


def meetings_from(kind: TriggerKind, source: str) -> models.QuerySet[Meeting]:
    """Every meeting a trigger source made, in every occurrence: a form's, a work item's,
    a booking page's."""
    return Meeting.objects.filter(trigger=kind, trigger_source=source)


class Run(models.Model):
    """One launch of a MeetingAction on many contacts (a bulk selection, a segment, a
    campaign step): who launched what and when, and what it made. The same trigger
    reference launched again is the same run, so a re-run updates it.

    Its meetings are those whose trigger key starts with the run's reference
    (`meetings`); their states are the run's live progress."""

    action = models.ForeignKey(
        MeetingAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    label = models.CharField(max_length=200, blank=True, help_text="e.g. the segment's name")
    trigger = models.CharField(max_length=20, choices=TriggerKind.choices)
    trigger_source = models.CharField(max_length=SOURCE_MAX)
    occurrence = models.CharField(max_length=OCCURRENCE_MAX)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Status(models.TextChoices):
        # A large launch is scheduled by the worker: the run is recorded at once, its
        # meetings as the worker saves them (a chunk at a time, once all are planned),
        # and it is scheduled when the last chunk is saved.
        QUEUED = "queued", "Waiting for the worker"
        SCHEDULING = "scheduling", "Scheduling"
        DONE = "done", "Scheduled"
        FAILED = "failed", "Not scheduled"

    # The statuses of a run still waiting for the worker to save its meetings.
    WAITING = frozenset({Status.QUEUED, Status.SCHEDULING})

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DONE)
    failure = models.TextField(blank=True)  # why a launch in the background failed
    # The launch the worker has still to do (contacts, settings, who asked); emptied
    # when it is done.
    pending = models.JSONField(null=True, blank=True)
    requested = models.PositiveIntegerField(default=0)  # contacts asked for, last launch
    created = models.PositiveIntegerField(default=0)  # its meetings, all launches
    skipped_count = models.PositiveIntegerField(default=0)
    # The last launch's skipped contacts (the first 1,000): contact_id, reason.
    skipped = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trigger", "trigger_source", "occurrence"], name="one_run_per_trigger"
            )
        ]

    def __str__(self) -> str:
        return self.label or f"{self.get_trigger_display()} {self.trigger_source}"

    @property
    def reference(self) -> TriggerRef:
        return TriggerRef(TriggerKind(self.trigger), self.trigger_source, self.occurrence)

    def meeting_lookup(self) -> models.Q:
        """Its meetings as a filter: by trigger kind and source, which an index serves,
        then by the launch's key prefix (alone, a scan of every meeting on SQLite, whose
        LIKE uses no index)."""
        return models.Q(
            trigger=self.trigger,
            trigger_source=self.trigger_source,
            trigger_key__startswith=self.reference.prefix,
        )

    def meetings(self) -> models.QuerySet[Meeting]:
        return Meeting.objects.filter(self.meeting_lookup())

    @property
    def waiting_for_worker(self) -> bool:
        """Recorded, but its meetings are still being planned by the worker."""
        return self.status in self.WAITING

    def progress(self) -> dict[str, int]:
        """How many of its meetings are in each state (every state present, 0 or more)."""
        counts = dict.fromkeys(MeetingState.values, 0)
        for state, count in (
            self.meetings().order_by().values_list("state").annotate(n=models.Count("pk"))
        ):
            counts[state] = count
        return counts


class IdempotentRequest(models.Model):
    """A request to schedule meetings sent with an idempotency key, as payment APIs keep
    them: the key is its sender's own (two people may use the same one), the fingerprint
    of the body it came with refuses the key with another body, and the meetings it
    made (and the contacts it skipped) answer any repeat without scheduling again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the canonical body")
    meeting_ids = models.JSONField(default=list, blank=True)
    skipped = models.JSONField(default=list, blank=True)  # [{"contact_id": .., "reason": ..}]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_request_per_user_key")
        ]

    def __str__(self) -> str:
        return self.key


EMAIL_LENGTH = 254  # the attendee column; validate_email alone lets 320 characters through


def validate_attendee_email(value: str) -> None:
    """An address that can be an attendee's: valid, and short enough for the column."""
    validate_email(value)
    if len(value) > EMAIL_LENGTH:
        raise ValidationError(f"an email address has at most {EMAIL_LENGTH} characters")


class Attendee(models.Model):
    class Kind(models.TextChoices):
        CONTACT = "contact", "Contact"
        INTERNAL = "internal", "Team member"
        EXTERNAL = "external", "External"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "email"], name="one_attendee_per_email")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.email


class Attempt(models.Model):
    """One call to a provider for a meeting: saved before the call, completed after it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "In progress"
        OK = "ok", "Succeeded"
        RETRY = "retry", "Failed, will retry"
        FAILED = "failed", "Failed"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attempt_log")
    operation = models.CharField(max_length=16)  # create, update, cancel
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    error = models.TextField(blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.get_outcome_display().lower()}"


class Delivery(models.Model):
    """One invitation email for one version of a meeting to one person.

    Unique per (meeting, recipient, sequence, method): a version is never delivered twice to
    the same person. Without SMTP configured the message is kept here and shown in the
    outbox page.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        HELD = "held", "In outbox"
        FAILED = "failed", "Failed, will retry"
        # Refused for good (a 5xx from the SMTP server, a message that cannot be built) or
        # out of attempts: never tried again on its own; `error` says why.
        UNDELIVERABLE = "undeliverable", "Not deliverable"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.EmailField()
    recipient_name = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=16, default="REQUEST")
    sequence = models.PositiveIntegerField()
    subject = models.CharField(max_length=400)
    text_body = models.TextField()
    html_body = models.TextField()
    ics = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "recipient", "sequence", "method"],
                name="one_delivery_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"

    def as_dict(self) -> dict[str, Any]:
        return {"recipient": self.recipient, "status": self.status, "method": self.method}


class Lane(models.Model):
    """The shared pace of one lane of provider calls (a connection, or an account-less
    provider), for every worker process on every machine.

    Pacing is GCRA: `tat` is the theoretical arrival time of the next call; a call reserves
    max(now, tat, not_before) and moves `tat` one interval on, in one row-locked
    transaction. `not_before` is set by a 429 or a Retry-After.
    """

    key = models.CharField(max_length=64, unique=True)
    tat = models.FloatField(default=0.0)  # epoch seconds
    not_before = models.FloatField(default=0.0)  # epoch seconds

    def __str__(self) -> str:
        return self.key


class DailyQuota(models.Model):
    """Provider calls counted per lane, host and UTC day, for caps like Zoom's
    100 creates+updates per host per day."""

    lane = models.CharField(max_length=64)
    host = models.CharField(max_length=254)
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lane", "host", "day"], name="one_quota_per_host_day")
        ]

    def __str__(self) -> str:
        return f"{self.lane} {self.host} {self.day}: {self.used}"


def _builtin(name: str) -> str:
    from pathlib import Path

    return (Path(__file__).parent / "templates" / "meetings" / "email" / name).read_text()


def _builtin_text() -> str:
    return _builtin("invitation.txt")


def _builtin_html() -> str:
    return _builtin("invitation.html")


class InvitationTemplate(models.Model):
    """The wording and look of invitation emails, editable by an administrator.

    The text and HTML bodies are Django templates rendered with plain values only:
    recipient_name, organizer_name, title, description, when (in the recipient's zone),
    when_meeting_zone, recipient_zone, meeting_zone, join_url, passcode, sequence (0 for
    the first invitation), cancelled, logo_url. The newest row is used; with none, the
    built-in templates are.
    """

    name = models.CharField(max_length=100, default="Default")
    logo_url = models.URLField(blank=True, help_text="Shown at the top of HTML invitations")
    text_template = models.TextField(default=_builtin_text)
    html_template = models.TextField(default=_builtin_html)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name
