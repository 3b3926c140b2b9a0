"""A campaign, its contact sources, its tree of events, and the rows of the engine: a
contact's pass through the campaign (Journey) and that pass at one event (Step)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from convener.crm.models import Contact
from convener.hooks.models import Webhook
from convener.meetings.models import MeetingAction
from convener.segments.models import Segment
from convener.timezones import validate_timezone
from convener.webforms.models import WebForm

NAME_MAX = 200


def _default_timezone() -> str:
    return str(settings.DEFAULT_TIMEZONE)


class Campaign(models.Model):
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True)
    # Unpublished: nobody enters and no step runs; publishing again resumes where it was.
    published = models.BooleanField(default=False)
    active_from = models.DateTimeField(null=True, blank=True)
    active_until = models.DateTimeField(null=True, blank=True)
    allow_restart = models.BooleanField(
        default=False, help_text="Contacts may go through the campaign again"
    )
    # The zone delays and dates of the campaign's events are read in: "1 day later" keeps
    # the wall-clock time there across a DST change.
    timezone = models.CharField(
        max_length=64, default=_default_timezone, validators=[validate_timezone]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """Where contacts come from: a segment's members (and those who join it), or the
    people who submit a form. The API adds contacts without a source row."""

    class Kind(models.TextChoices):
        SEGMENT = "segment", "Segment members"
        FORM = "form", "Form submissions"
        WEBHOOK = "webhook", "Incoming webhook deliveries"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.CASCADE)
    form = models.ForeignKey(WebForm, null=True, blank=True, on_delete=models.CASCADE)
    webhook = models.ForeignKey(Webhook, null=True, blank=True, on_delete=models.CASCADE)
    remove_on_leave = models.BooleanField(
        default=False, help_text="A contact who leaves the segment leaves the campaign"
    )

    def __str__(self) -> str:
        if self.kind == self.Kind.SEGMENT:
            return f"Segment: {self.segment}"
        if self.kind == self.Kind.WEBHOOK:
            return f"Incoming webhook: {self.webhook}"
        return f"Form: {self.form}"


class EventKind(models.TextChoices):
    ACTION = "action", "Action"
    CONDITION = "condition", "Condition"
    DECISION = "decision", "Decision"


class EventType(models.TextChoices):
    # actions
    MEETING = "meeting", "Schedule Online Meeting"
    UPDATE_FIELD = "update_field", "Update a contact field"
    ADD_TO_SEGMENT = "add_to_segment", "Add to a segment"
    REMOVE_FROM_SEGMENT = "remove_from_segment", "Remove from a segment"
    SEND_WEBHOOK = "send_webhook", "Send a webhook"
    NOTIFY_OWNER = "notify_owner", "Notify the owner by email"
    # conditions
    FIELD_VALUE = "field_value", "Contact field value"
    IN_SEGMENT = "in_segment", "Segment membership"
    SUBMISSION_VALUE = "submission_value", "Value of the form submission"
    HAS_UPCOMING_MEETING = "has_upcoming_meeting", "Has an upcoming meeting"
    # decisions
    SUBMITS_FORM = "submits_form", "Submits a form"
    MEETING_OUTCOME = "meeting_outcome", "Meeting outcome"


KIND_OF_TYPE: dict[str, str] = {
    **dict.fromkeys(
        [
            EventType.MEETING,
            EventType.UPDATE_FIELD,
            EventType.ADD_TO_SEGMENT,
            EventType.REMOVE_FROM_SEGMENT,
            EventType.SEND_WEBHOOK,
            EventType.NOTIFY_OWNER,
        ],
        EventKind.ACTION,
    ),
    **dict.fromkeys(
        [
            EventType.FIELD_VALUE,
            EventType.IN_SEGMENT,
            EventType.SUBMISSION_VALUE,
            EventType.HAS_UPCOMING_MEETING,
        ],
        EventKind.CONDITION,
    ),
    **dict.fromkeys([EventType.SUBMITS_FORM, EventType.MEETING_OUTCOME], EventKind.DECISION),
}


class EventTiming(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DELAY = "delay", "After a delay"
    FIXED = "fixed", "At a fixed date and time"
    FIELD = "field", "Relative to a contact's date field"


class Branch(models.TextChoices):
    NONE = "", "Next"
    YES = "yes", "Yes"
    NO = "no", "No"


class Event(models.Model):
    """One node of the campaign's tree. Its timing says when a contact's step runs, counted
    from when the contact reached it; a meeting action's own timing says when the meeting
    happens. A removed event stays (its steps are history) but nobody reaches it again."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    branch = models.CharField(max_length=3, choices=Branch.choices, blank=True, default="")
    type = models.CharField(max_length=24, choices=EventType.choices)
    name = models.CharField(max_length=NAME_MAX, blank=True)
    # The type's settings: field and value, segment id, form id, webhook URL, ...
    settings = models.JSONField(default=dict, blank=True)
    action = models.ForeignKey(
        MeetingAction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    timing = models.CharField(max_length=10, choices=EventTiming.choices, default="immediate")
    delay_amount = models.PositiveIntegerField(default=0)
    delay_unit = models.CharField(max_length=10, default="days")
    fixed_at = models.DateTimeField(null=True, blank=True)
    date_field = models.CharField(max_length=100, blank=True)
    field_offset_days = models.IntegerField(default=0)
    field_time = models.TimeField(null=True, blank=True)
    # A decision's time limit, in hours: when it runs out, the "no" branch is taken.
    wait_hours = models.PositiveIntegerField(default=72)
    position = models.PositiveIntegerField(default=0)
    removed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name or self.get_type_display()

    @property
    def kind(self) -> str:
        return KIND_OF_TYPE.get(self.type, EventKind.ACTION)

    @property
    def branches(self) -> bool:
        return self.kind != EventKind.ACTION


class Journey(models.Model):
    """One pass of a contact through a campaign. A campaign that allows restarts gives a
    contact a new pass each time they enter again after the last one ended."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="journeys")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="journeys")
    number = models.PositiveIntegerField(default=1)
    entered_at = models.DateTimeField()
    how = models.CharField(max_length=100, blank=True)  # "segment 4", "form 2", "API"
    submission_id = models.IntegerField(null=True, blank=True)  # the form submission, if one
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact", "number"], name="one_journey_per_pass"
            )
        ]
        indexes = [models.Index(fields=["campaign", "contact", "left_at"])]

    def __str__(self) -> str:
        return f"contact {self.contact_id} in campaign {self.campaign_id}, pass {self.number}"


class StepState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Step(models.Model):
    """A contact's pass at one event: due at `due_at`, claimed with a lease, done (with
    the branch taken) in the same transaction as its effect. Unique per (journey, event):
    a step runs once per pass however often a worker dies."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="steps")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(default=1)  # the journey's pass, for the meeting key
    state = models.CharField(max_length=10, choices=StepState.choices, default="pending")
    due_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # A decision: when the wait for the contact ends (then the "no" branch).
    wait_until = models.DateTimeField(null=True, blank=True)
    branch = models.CharField(max_length=3, blank=True)
    result = models.CharField(max_length=300, blank=True)  # what it did, or why it failed
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["journey", "event"], name="one_step_per_pass")
        ]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["event", "state"]),
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} at event {self.event_id}: {self.state}"


class DeliveryOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    REFUSED = "refused", "Refused"  # a 4xx: not sent again
    FAILED = "failed", "Failed"  # unreachable, a 5xx or a 429: sent again while tries remain


class WebhookDelivery(models.Model):
    """One POST of a "send a webhook" step: when, where, what came back (or why nothing
    did), and which try of the step it was. Written in the step's transaction, so the log
    holds exactly the tries whose outcome the step recorded. The signing secret is never
    kept here."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhook_deliveries")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    attempt = models.PositiveIntegerField()
    sent_at = models.DateTimeField()
    url = models.CharField(max_length=2000)  # the address at the time: the step may change
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=DeliveryOutcome.choices)
    why = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["event", "-sent_at"]),
            models.Index(fields=["event", "outcome", "-sent_at"]),
        ]

    def __str__(self) -> str:
        return f"webhook of event {self.event_id} for contact {self.contact_id}: {self.outcome}"
