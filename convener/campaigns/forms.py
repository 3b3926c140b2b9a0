"""The builder's forms: a campaign's settings, a source, and one event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from convener.campaigns.conditions import OPERATORS
from convener.campaigns.models import (
    KIND_OF_TYPE,
    Campaign,
    Event,
    EventKind,
    EventTiming,
    EventType,
    Source,
)
from convener.meetings.models import MeetingAction
from convener.segments.models import Segment
from convener.timeplan.delay import DELAY_UNITS, MAX_AMOUNT
from convener.timeplan.zones import resolve_local
from convener.timezones import zone_refusal
from convener.webforms.models import WebForm

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CampaignForm(forms.ModelForm[Campaign]):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "description",
            "published",
            "allow_restart",
            "timezone",
            "active_from",
            "active_until",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "active_from": LOCAL,
            "active_until": LOCAL,
        }
        labels = {
            "published": "Published: contacts enter and steps run",
            "allow_restart": "Contacts may go through it again (a recurring journey)",
            "timezone": "Time zone of its delays and dates",
            "active_from": "Accept contacts from (optional)",
            "active_until": "Accept contacts until (optional)",
        }

    def clean_timezone(self) -> str:
        zone = str(self.cleaned_data.get("timezone") or "").strip()
        if problem := zone_refusal(zone):
            raise forms.ValidationError(problem)
        return zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("active_from"), data.get("active_until")
        if start and end and end <= start:
            self.add_error("active_until", "The end of the window must come after its start.")
        return data


class SourceForm(forms.ModelForm[Source]):
    class Meta:
        model = Source
        fields = ["kind", "segment", "form", "webhook", "remove_on_leave"]
        labels = {"kind": "Take contacts from", "form": "Form", "webhook": "Incoming webhook"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == Source.Kind.SEGMENT and not data.get("segment"):
            self.add_error("segment", "Choose the segment whose members enter.")
        if data.get("kind") == Source.Kind.FORM and not data.get("form"):
            self.add_error("form", "Choose the form whose submitters enter.")
        if data.get("kind") == Source.Kind.WEBHOOK and not data.get("webhook"):
            self.add_error("webhook", "Choose the webhook whose contacts enter.")
        return data


TYPES_BY_KIND: dict[str, list[tuple[str, str]]] = {
    kind: [(t.value, t.label) for t in EventType if KIND_OF_TYPE[t] == kind] for kind in EventKind
}

OUTCOME_CHOICES = [
    ("invited", "The meeting was created and the invitation sent"),
    ("link_failed", "Its link failed"),
    ("cancelled", "It was cancelled"),
]


class EventForm(forms.Form):
    """One event. Its settings are plain fields here and one JSON object on the row; the
    page shows only those of the chosen type (static/campaigns/builder.js)."""

    type = forms.ChoiceField(label="What happens")
    name = forms.CharField(label="Name (optional)", required=False, max_length=200)
    timing = forms.ChoiceField(label="When it runs", choices=EventTiming.choices)
    delay_amount = forms.IntegerField(label="Delay", min_value=0, required=False, initial=1)
    delay_unit = forms.ChoiceField(
        label="Unit", choices=[(u, u) for u in DELAY_UNITS], initial="days"
    )
    fixed_at = forms.DateTimeField(label="Date and time", required=False, widget=LOCAL)
    date_field = forms.CharField(label="Contact's date field", required=False, max_length=100)
    field_offset_days = forms.IntegerField(
        label="Days after it (negative: before)", required=False, initial=0
    )
    field_time = forms.TimeField(
        label="At", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    action = forms.ModelChoiceField(
        label="Meeting action",
        queryset=MeetingAction.objects.all(),
        required=False,
        help_text="Its own timing says when the meeting happens (smart scheduling included).",
    )
    field = forms.CharField(label="Contact field", required=False, max_length=100)
    op = forms.ChoiceField(label="Comparison", choices=list(OPERATORS.items()), required=False)
    value = forms.CharField(label="Value", required=False, max_length=500)
    segment = forms.ModelChoiceField(
        label="Segment", queryset=Segment.objects.all(), required=False
    )
    form = forms.ModelChoiceField(label="Form", queryset=WebForm.objects.all(), required=False)
    url = forms.URLField(label="Webhook address", required=False, assume_scheme="https")
    # Never drawn back into the page: a secret once saved is kept unless a new one is typed.
    secret = forms.CharField(
        label="Signing secret",
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the secret already saved.",
    )
    message = forms.CharField(
        label="Message to the owner", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(label="Wait for", choices=OUTCOME_CHOICES, required=False)
    wait_hours = forms.IntegerField(
        label="Wait at most (hours)", min_value=1, max_value=24 * 366, initial=72, required=False
    )

    def __init__(self, *args: Any, campaign: Campaign, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.kind = kind
        choice = self.fields["type"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = TYPES_BY_KIND.get(kind, TYPES_BY_KIND[EventKind.ACTION])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type", "")
        need = {
            EventType.MEETING: ["action"],
            EventType.UPDATE_FIELD: ["field"],
            EventType.ADD_TO_SEGMENT: ["segment"],
            EventType.REMOVE_FROM_SEGMENT: ["segment"],
            EventType.SEND_WEBHOOK: ["url"],
            EventType.FIELD_VALUE: ["field"],
            EventType.IN_SEGMENT: ["segment"],
            EventType.SUBMISSION_VALUE: ["field"],
            EventType.SUBMITS_FORM: ["form"],
        }.get(kind, [])
        for name in need:
            if not data.get(name):
                self.add_error(name, f"{self.fields[name].label} is needed for this step.")
        segment = data.get("segment")
        if (
            kind in {EventType.ADD_TO_SEGMENT, EventType.REMOVE_FROM_SEGMENT}
            and segment is not None
            and segment.is_dynamic
        ):
            self.add_error("segment", "Only a static segment can have contacts added or removed.")
        timing = data.get("timing")
        if timing == EventTiming.DELAY:
            amount, unit = data.get("delay_amount"), data.get("delay_unit", "days")
            if amount is None:
                self.add_error("delay_amount", "How long is the delay?")
            elif amount > MAX_AMOUNT.get(unit, 0):
                self.add_error("delay_amount", f"At most {MAX_AMOUNT[unit]} {unit}.")
        if timing == EventTiming.FIXED and not data.get("fixed_at"):
            self.add_error("fixed_at", "Pick the date and time the step runs.")
        if timing == EventTiming.FIELD and not data.get("date_field"):
            self.add_error("date_field", "Name the contact's date field.")
        return data

    def _fixed_instant(self) -> datetime | None:
        wall = self.cleaned_data.get("fixed_at")
        if wall is None:
            return None
        # Typed as a wall time in the campaign's zone, whatever the person's own zone is.
        zone = ZoneInfo(self.campaign.timezone)
        resolved = resolve_local(wall.replace(tzinfo=None), zone)
        return datetime.fromtimestamp(resolved.ts, UTC)

    def apply(self, event: Event) -> Event:
        data = self.cleaned_data
        event.type = data["type"]
        event.name = data.get("name", "")
        event.timing = data["timing"]
        event.delay_amount = data.get("delay_amount") or 0
        event.delay_unit = data.get("delay_unit") or "days"
        event.fixed_at = self._fixed_instant()
        event.date_field = data.get("date_field", "")
        event.field_offset_days = data.get("field_offset_days") or 0
        event.field_time = data.get("field_time")
        event.action = data.get("action") if event.type == EventType.MEETING else None
        event.wait_hours = data.get("wait_hours") or 72
        kept_secret = (event.settings or {}).get("secret")
        settings: dict[str, Any] = {}
        for name in ("field", "op", "value", "url", "secret", "message", "outcome"):
            if data.get(name):
                settings[name] = data[name]
        if event.type == EventType.SEND_WEBHOOK and "secret" not in settings and kept_secret:
            settings["secret"] = kept_secret
        if data.get("segment") is not None:
            settings["segment"] = data["segment"].pk
        if data.get("form") is not None:
            settings["form"] = data["form"].pk
        event.settings = settings
        return event

    @classmethod
    def initial_of(cls, event: Event) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "type": event.type,
            "name": event.name,
            "timing": event.timing,
            "delay_amount": event.delay_amount,
            "delay_unit": event.delay_unit,
            "date_field": event.date_field,
            "field_offset_days": event.field_offset_days,
            "field_time": event.field_time,
            "action": event.action_id,
            "wait_hours": event.wait_hours,
            **{name: value for name, value in event.settings.items() if name != "secret"},
        }
        if event.fixed_at is not None:
            zone = ZoneInfo(event.campaign.timezone)
            initial["fixed_at"] = event.fixed_at.astimezone(zone).replace(tzinfo=None)
        return initial
