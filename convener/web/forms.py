"""Forms of the web interface."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from convener.crm.models import Contact
from convener.meetings.models import validate_attendee_email
from convener.meetings.triggers import OCCURRENCE_MAX, new_occurrence
from convener.providers.registry import PROVIDERS, provider_class
from convener.scheduling.hosting import HostChoice
from convener.scheduling.limits import TITLE_MAX
from convener.team import access
from convener.timezones import validate_timezone
from convener.web.custom_fields import ContactFieldsMixin
from convener.web.fields import timezone_field


class ContactForm(ContactFieldsMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A contact as `author` may save it: a new one is theirs unless they choose another
    owner, which only someone who may edit other members' contacts can. Its custom
    fields follow, each with the input of its kind."""

    timezone = timezone_field(required=False, label="Time zone")

    def __init__(self, *args: Any, author: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_custom_fields(self.instance.fields)
        owner = self.fields["owner"]
        owner.empty_label = "No owner"  # type: ignore[attr-defined]
        if self.instance.pk is None:
            owner.initial = author.pk
        if not access.may_give_contacts(author):
            owner.queryset = owner.queryset.filter(pk=author.pk)  # type: ignore[attr-defined]
            owner.empty_label = None  # type: ignore[attr-defined]
            owner.required = True

    class Meta:
        model = Contact
        fields = ["email", "first_name", "last_name", "company", "timezone", "owner"]

    def save(self, commit: bool = True) -> Contact:
        self.instance.fields = self.custom_values()
        contact: Contact = super().save(commit=commit)
        return contact


def split_emails(text: str) -> list[str]:
    return [item for item in re.split(r"[\s,;]+", text or "") if item]


class ScheduleMeetingForm(forms.Form):
    WHEN = [("now", "Now"), ("at", "At a date and time")]

    title = forms.CharField(max_length=TITLE_MAX)
    when = forms.ChoiceField(choices=WHEN, widget=forms.RadioSelect, initial="at")
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    timezone = timezone_field(label="Time zone")
    duration_minutes = forms.TypedChoiceField(
        label="Duration",
        coerce=int,
        initial=30,
        choices=[
            (15, "15 minutes"),
            (30, "30 minutes"),
            (45, "45 minutes"),
            (60, "1 hour"),
            (90, "1½ hours"),
            (120, "2 hours"),
        ],
    )
    attendees = forms.CharField(
        label="Extra attendees",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "name@example.com, …"}),
        help_text="Email addresses, separated by commas or new lines",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    provider = forms.ChoiceField(label="Meeting on", initial="jitsi", required=False)
    # Which account hosts it; left out (the provider needs no account, or an older page):
    # the contact owner's, else the person's own, else the organization's.
    host = forms.ChoiceField(
        label="Hosted on",
        choices=HostChoice.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the accounts offered."},
    )
    browser_timezone = forms.CharField(required=False, widget=forms.HiddenInput)
    # One per opening of the popup: a second submit of the same form (a double click, a
    # resend after a timeout) finds the meeting the first one made.
    occurrence = forms.CharField(
        required=False, max_length=OCCURRENCE_MAX, widget=forms.HiddenInput, initial=new_occurrence
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [  # type: ignore[attr-defined]
            (slug, provider_class(slug).name) for slug in PROVIDERS
        ]

    def clean_attendees(self) -> list[str]:
        emails = split_emails(self.cleaned_data.get("attendees", ""))
        for email in emails:
            try:
                validate_attendee_email(email)
            except ValidationError:
                raise ValidationError(f"{email!r} is not a valid email address") from None
        return emails

    def clean_host(self) -> str | None:
        return str(self.cleaned_data.get("host") or "") or None

    def clean_provider(self) -> str:
        return str(self.cleaned_data.get("provider") or "jitsi")

    def clean_browser_timezone(self) -> str:
        value = self.cleaned_data.get("browser_timezone") or ""
        try:
            validate_timezone(value)
        except ValidationError:
            return ""  # a browser that reports nonsense is ignored, not an error
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "at":
            if not data.get("date") and "date" not in self.errors:
                self.add_error("date", "Pick the date of the meeting.")
            if not data.get("time") and "time" not in self.errors:
                self.add_error("time", "Pick the time of the meeting.")
        return data
