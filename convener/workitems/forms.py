"""The job form and the virtual meeting configuration forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from convener.crm.models import Contact
from convener.providers.registry import PROVIDERS, provider_class
from convener.scheduling.starts import StartOutOfRange, start_instant
from convener.team import access
from convener.team.models import User
from convener.web.fields import timezone_field
from convener.web.forms import split_emails
from convener.workitems.changes import JobFields
from convener.workitems.models import Job, MeetingAutomation

LOCAL = {"type": "datetime-local"}
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class JobForm(forms.Form):
    title = forms.CharField(max_length=200)
    contact = forms.EmailField(
        label="Primary contact",
        help_text="The contact's email address; the job goes with this contact",
    )
    start = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs=LOCAL), input_formats=LOCAL_FORMATS
    )
    end = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs=LOCAL), input_formats=LOCAL_FORMATS
    )
    timezone = timezone_field(label="Time zone")
    attendees = forms.CharField(
        label="Attendees",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "name@example.com, …"}),
        help_text="Other client contacts, by email: with any, the job is a group event",
    )
    resources = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The team members who do the job; each confirms or declines",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["resources"].queryset = User.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "first_name", "username"
        )
        self.fields["resources"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, job: Job) -> dict[str, Any]:
        fmt = "%Y-%m-%dT%H:%M"
        return {
            "title": job.title,
            "contact": job.contact.email,
            "start": job.local_start.strftime(fmt) if job.local_start else "",
            "end": job.local_end.strftime(fmt) if job.local_end else "",
            "timezone": job.timezone,
            "attendees": ", ".join(c.email for c in job.attendees.all()),
            "resources": [a.resource_id for a in job.allocations.all()],
            "description": job.description,
        }

    def _contact(self, email: str) -> Contact:
        visible = access.visible_contacts(self.user)
        found = Contact.objects.with_email(email).filter(pk__in=visible.values("pk")).first()
        if found is None:
            raise ValidationError(f"no contact with the email {email}; add the contact first")
        return found

    def clean_contact(self) -> Contact:
        contact = self._contact(self.cleaned_data["contact"])
        if reason := access.schedule_refusal(self.user, contact):
            raise ValidationError(reason)
        return contact

    def clean_attendees(self) -> list[Contact]:
        found = []
        for email in split_emails(self.cleaned_data.get("attendees", "")):
            found.append(self._contact(email))
        return found

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

    def job_fields(self) -> JobFields:
        data = self.cleaned_data
        zone = data["timezone"]
        return JobFields(
            title=data["title"],
            timezone=zone,
            contact=data["contact"],
            description=data.get("description", ""),
            start=self._instant("start", zone),
            end=self._instant("end", zone),
            attendees=data.get("attendees", []),
            resources=list(data.get("resources") or []),
        )


def provider_choices() -> list[tuple[str, str]]:
    return [(slug, provider_class(slug).name) for slug in PROVIDERS]


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(label="Select provider")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()  # type: ignore[attr-defined]


class AutomationForm(forms.ModelForm):  # type: ignore[type-arg]
    confirm = forms.BooleanField(
        required=False,
        label="I have checked these settings",
        help_text="Enabling again after disabling asks you to confirm the settings",
    )

    class Meta:
        model = MeetingAutomation
        fields = ["passcode", "enable_attendees", "send_ics", "cancel_when_unready"]
        labels = {
            "passcode": "Meeting password",
            "enable_attendees": "Enable attendees",
            "send_ics": "Send ICS to recipients",
            "cancel_when_unready": "Cancel the meeting when a job leaves Ready",
        }
        help_texts = {
            "passcode": "Guests need it to join (on providers with passcodes, e.g. Zoom)",
            "enable_attendees": "Invite the job's attendees too (group events)",
            "send_ics": "Off: nobody is emailed; the link is on the job and in the calendar feeds",
            "cancel_when_unready": "Off (the default): a job that goes back before Ready "
            "keeps its meeting and link",
        }
