"""Calendar events: a title, a start and end planned in a zone, participants (team
members, contacts, external emails) and a location.

An event whose location is a video provider owns one Meeting, made through the
scheduling seam (convener.calendar.links); the meeting carries the link, its state and
the reason when it is missing. The event keeps only what the pipeline cannot: why no
meeting could be made at all (nobody on the event has an account), and a link pasted by
hand while there is no meeting to hold it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from convener.meetings.models import new_meeting_key
from convener.timezones import validate_timezone


class LocationType(models.TextChoices):
    # Video providers: the slugs of convener.providers.registry, so that the location
    # type is the meeting's provider.
    GOOGLE_MEET = "google_meet", "Google Meet"
    MICROSOFT_TEAMS = "microsoft_teams", "Microsoft Teams"
    ZOOM = "zoom", "Zoom"
    JITSI = "jitsi", "Jitsi"
    ADDRESS = "address", "In person (an address)"
    PHONE = "phone", "Phone number"
    LINK = "link", "Custom link"
    NONE = "none", "No location"


VIDEO = frozenset(
    {
        LocationType.GOOGLE_MEET,
        LocationType.MICROSOFT_TEAMS,
        LocationType.ZOOM,
        LocationType.JITSI,
    }
)


class Event(models.Model):
    """One event on the team calendar. Start and end are UTC instants, `timezone` the
    zone it was planned in (invariant 3)."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    location_type = models.CharField(
        max_length=20, choices=LocationType.choices, default=LocationType.GOOGLE_MEET
    )
    # The address, the phone number or the custom link, for those location types.
    location_detail = models.CharField(max_length=500, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="calendar_events"
    )
    contacts = models.ManyToManyField("crm.Contact", blank=True, related_name="calendar_events")
    external_emails = models.JSONField(default=list, blank=True)
    # Which meeting of the event is current: raised when its meeting is cancelled because
    # the location changed (another provider, or no video), so that the next video
    # location makes a new meeting rather than finding the cancelled one.
    meeting_round = models.PositiveIntegerField(default=0)
    # Why the event has no meeting at all (nobody on it has an account for the
    # provider); a meeting's own failures are on the meeting.
    link_problem = models.CharField(max_length=400, blank=True)
    # A link pasted by hand while the event has no meeting to hold it.
    manual_link = models.URLField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["start", "end"], name="calendar_event_span_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_video(self) -> bool:
        return self.location_type in VIDEO

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(ZoneInfo(self.timezone))

    @property
    def duration_minutes(self) -> int:
        return max(int((self.end - self.start).total_seconds() // 60), 1)


class CalendarCopy(models.Model):
    """The event's entry in its host's own Google or Outlook calendar, for an event
    whose meeting is not already an event there (a Zoom or Jitsi link, an address, a
    phone number, a custom link): see convener.calendar.copies.

    The row is the truth and the worker brings the calendar in line with it
    (convener.calendar.copy_worker): `due_at` says a step is wanted, `written` is the
    digest of what the remote entry holds. It outlives its event (`event` empty) until
    the entry is removed from the calendar."""

    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="calendar_copy"
    )
    # The account whose calendar holds the remote entry (or will hold it).
    connection = models.ForeignKey(
        "connections.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The entry's idempotency key at the provider: a new one for each calendar it goes in.
    key = models.CharField(max_length=64, default=new_meeting_key)
    remote_id = models.CharField(max_length=1100, blank=True)
    written = models.CharField(max_length=64, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # Raised by every change the entry must follow: a step that began before a change
    # leaves the row due, so the change is never lost to a step already under way.
    changes = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Who holds the lease: a step whose lease ran out does not write over the next holder.
    lease_token = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Why the calendar is not in step, shown on the event; empty when it is.
    problem = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["due_at"], name="calendar_copy_due_idx")]

    def __str__(self) -> str:
        return f"calendar copy of event {self.event_id}"
