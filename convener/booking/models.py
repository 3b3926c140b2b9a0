"""Booking pages and the bookings made on them.

A page belongs to one host, or to a team of hosts (round robin or collective). Its
availability is wall-clock time in the page's zone; the free times are computed by
`convener.booking.slots` (pure) from what `convener.booking.availability` reads here.

Two visitors racing for one slot make one booking: each booking holds the quarter hours
it covers, per host, in `HostHold`, whose (host, cell) pair is unique. Every slot starts
on a quarter hour and lasts whole quarter hours, so two overlapping bookings of one host
always share a cell and the database refuses the second, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.db import models

from convener.timezones import validate_timezone

TITLE_MAX = 200
CELL_MINUTES = 15  # the grid every slot starts on and fills whole


def new_slug() -> str:
    """The public address of a page: unguessable, so an unpublished page is not found by
    trying names."""
    return secrets.token_urlsafe(9).replace("_", "x").replace("-", "y").lower()


def default_weekly() -> dict[str, list[list[str]]]:
    """Monday to Friday, 09:00 to 17:00 (keys are ISO weekdays less one: 0 is Monday)."""
    return {str(day): [["09:00", "17:00"]] for day in range(5)}


def default_durations() -> list[int]:
    return [30]


class PageKind(models.TextChoices):
    PERSONAL = "personal", "One host"
    ROUND_ROBIN = "round_robin", "Team: round robin (one free host takes it)"
    COLLECTIVE = "collective", "Team: collective (every host attends)"


class BookingPage(models.Model):
    slug = models.SlugField(max_length=32, unique=True, default=new_slug)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_pages"
    )
    kind = models.CharField(max_length=16, choices=PageKind.choices, default=PageKind.PERSONAL)
    # The team of a team page; a personal page's host is its owner.
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    prefer_contact_owner = models.BooleanField(default=False)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True)
    durations = models.JSONField(default=default_durations)  # minutes, first is the default
    provider = models.CharField(max_length=40, default="jitsi")  # the location
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    weekly = models.JSONField(default=default_weekly)  # {"0": [["09:00", "17:00"]], ...}
    # {"2030-12-24": [["09:00", "12:00"]]}; an empty list is a day off.
    overrides = models.JSONField(default=dict, blank=True)
    buffer_before = models.PositiveIntegerField(default=0)  # minutes
    buffer_after = models.PositiveIntegerField(default=0)
    minimum_notice = models.PositiveIntegerField(default=240)  # minutes
    horizon_days = models.PositiveIntegerField(default=60)
    max_per_day = models.PositiveIntegerField(default=0)  # 0: no limit
    questions = models.JSONField(default=list, blank=True)  # [{"label", "required"}]
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def host_ids(self) -> list[int]:
        if self.kind == PageKind.PERSONAL:
            return [self.owner_id]
        return sorted(self.hosts.values_list("pk", flat=True))


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class Booking(models.Model):
    page = models.ForeignKey(BookingPage, on_delete=models.CASCADE, related_name="bookings")
    # The signed links of the emails name this, never the row's id.
    reference = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    # The rendered page's key: a double click or a retried POST finds this booking.
    request_key = models.CharField(max_length=64, unique=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    visitor_timezone = models.CharField(max_length=64, validators=[validate_timezone])
    name = models.CharField(max_length=200)
    email = models.EmailField()
    answers = models.JSONField(default=list, blank=True)  # [[question, answer], ...]
    contact = models.ForeignKey(
        "crm.Contact", null=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why no meeting could be made (the host's account is missing): shown to the host.
    problem = models.TextField(blank=True)
    # While there is no meeting, it is tried again on its own (convener.booking.retry):
    # how many times it has been tried, and when the next try is due.
    meeting_attempts = models.PositiveIntegerField(default=0)
    next_meeting_attempt = models.DateTimeField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=16, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["host", "start"])]

    def __str__(self) -> str:
        return f"{self.name} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def live(self) -> bool:
        return self.status == BookingStatus.CONFIRMED


class HostHold(models.Model):
    """One quarter hour of one host taken by a live booking (see the module's note)."""

    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cell = models.DateTimeField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="holds")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "cell"], name="booking_one_hold_per_cell")
        ]

    def __str__(self) -> str:
        return f"host {self.host_id} at {self.cell:%Y-%m-%d %H:%M}"


def cells(start: datetime, end: datetime) -> list[datetime]:
    """The quarter hours from `start` (on the grid) up to `end`."""
    from datetime import timedelta

    step = timedelta(minutes=CELL_MINUTES)
    found = []
    at = start
    while at < end:
        found.append(at)
        at += step
    return found
