"""The event form: what a person types in the event dialog, checked field by field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from convener.calendar.models import VIDEO, Event, LocationType
from convener.crm.models import Contact
from convener.scheduling.starts import StartOutOfRange, start_instant
from convener.team import access
from convener.team.models import User
from convener.web.fields import timezone_field
from convener.web.forms import split_emails

LOCAL = {"type": "datetime-local"}
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
FORMAT = "%Y-%m-%dT%H:%M"
LONGEST_DAYS = 14
DETAIL_NEEDED = {
    LocationType.ADDRESS: "Type the address where you meet",
    LocationType.PHONE: "Type the phone number to call",
    LocationType.LINK: "Paste the link people join with",
}


@dataclass
class EventFields:
    title: str
    description: str
    start: datetime
    end: datetime
    timezone: str
    location_type: str
    location_detail: str
    manual_link: str
    members: list[User]
    contacts: list[Contact]
    external_emails: list[str]


class EventForm(forms.Form):
    title = forms.CharField(max_length=200)
    start = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs=LOCAL), input_formats=LOCAL_FORMATS
    )
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs=LOCAL), input_formats=LOCAL_FORMATS)
    timezone = timezone_field(label="Time zone")
    location_type = forms.ChoiceField(label="Location", choices=LocationType.choices)
    location_detail = forms.CharField(
        label="Address, phone number or link",
        max_length=500,
        required=False,
        help_text="For an in-person, phone or custom-link location",
    )
    manual_link = forms.URLField(
        assume_scheme="https",
        label="Meeting link by hand",
        max_length=2000,
        required=False,
        help_text="Optional: a link you paste is kept, and no generated link replaces it",
    )
    members = forms.ModelMultipleChoiceField(
        label="Team members",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts = forms.CharField(
        label="Contacts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "name@example.com, …"}),
        help_text="Your contacts' email addresses",
    )
    guests = forms.CharField(
        label="Other guests",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "guest@example.net, …"}),
        help_text="Anyone else, by email address",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        members = self.fields["members"]
        members.queryset = User.objects.filter(is_active=True).order_by("first_name", "username")  # type: ignore[attr-defined]
        members.label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        return {
            "title": event.title,
            "start": event.local_start.strftime(FORMAT),
            "end": event.local_end.strftime(FORMAT),
            "timezone": event.timezone,
            "location_type": event.location_type,
            "location_detail": event.location_detail,
            "manual_link": event.manual_link or _meeting_manual_link(event),
            "members": [u.pk for u in event.members.all()],
            "contacts": ", ".join(c.email for c in event.contacts.all()),
            "guests": ", ".join(event.external_emails or []),
            "description": event.description,
        }

    def clean_contacts(self) -> list[Contact]:
        visible = access.visible_contacts(self.user)
        found: list[Contact] = []
        for email in split_emails(self.cleaned_data.get("contacts", "")):
            contact = Contact.objects.with_email(email).filter(pk__in=visible.values("pk")).first()
            if contact is None:
                raise ValidationError(
                    f"no contact with the email {email}; add it under Other guests, "
                    "or add the contact first"
                )
            if contact not in found:
                found.append(contact)
        return found

    def clean_guests(self) -> list[str]:
        emails: list[str] = []
        for email in split_emails(self.cleaned_data.get("guests", "")):
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(f"{email} is not an email address") from None
            if email.lower() not in {e.lower() for e in emails}:
                emails.append(email)
        return emails[:50]

    def _instant(self, name: str, zone: str) -> datetime | None:
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        wall = timezone.make_naive(value) if timezone.is_aware(value) else value
        try:
            return start_instant(wall, zone, timezone.now())[0]
        except StartOutOfRange as exc:
            self.add_error(name, str(exc))
            return None

    def event_fields(self) -> EventFields | None:
        """The event as typed, or None with the errors next to their fields."""
        data = self.cleaned_data
        zone = data["timezone"]
        start, end = self._instant("start", zone), self._instant("end", zone)
        if start is not None and end is not None:
            if end <= start:
                self.add_error("end", "the end must be after the start")
            elif (end - start).days >= LONGEST_DAYS:
                self.add_error("end", f"an event lasts less than {LONGEST_DAYS} days")
        kind = data["location_type"]
        detail = data.get("location_detail", "").strip()
        if kind in DETAIL_NEEDED and not detail:
            self.add_error("location_detail", DETAIL_NEEDED[LocationType(kind)])
        if kind == LocationType.LINK and detail:
            try:
                forms.URLField(assume_scheme="https").clean(detail)
            except ValidationError:
                self.add_error("location_detail", "a custom link starts with https://")
        contacts, guests = data.get("contacts", []), data.get("guests", [])
        if kind in VIDEO and not contacts and not guests:
            self.add_error(
                "contacts",
                "a video meeting needs a contact or a guest's email address to invite",
            )
        if self.errors or start is None or end is None:
            return None
        return EventFields(
            title=data["title"],
            description=data.get("description", ""),
            start=start,
            end=end,
            timezone=zone,
            location_type=kind,
            location_detail=detail if kind in DETAIL_NEEDED else "",
            manual_link=data.get("manual_link", "") if kind in VIDEO else "",
            members=list(data.get("members") or []),
            contacts=contacts,
            external_emails=guests,
        )


def _meeting_manual_link(event: Event) -> str:
    from convener.calendar.links import live, meeting_of

    meeting = live(meeting_of(event))
    return meeting.join_url if meeting is not None and meeting.manual_link else ""
