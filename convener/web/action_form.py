"""The "Schedule Online Meeting" settings as a form: every option of a MeetingAction, with
the timing built from friendly fields (timing_fields) and checked by the one validation
of an action (`scheduling.validation`), whose errors are shown next to the field that
caused them. A time that cannot be used is named in words, in the action's zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from convener.crm.models import CustomField
from convener.meetings.models import (
    DEFAULT_TIMEZONE_CHAIN,
    CredentialsPolicy,
    MeetingAction,
    TimingMode,
)
from convener.providers.registry import PROVIDERS, provider_class
from convener.scheduling.limits import DESCRIPTION_MAX, PASSCODE_MAX
from convener.scheduling.starts import StartOutOfRange, start_instant
from convener.scheduling.validation import action_problems
from convener.team.models import User
from convener.timeplan.bounds import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES
from convener.timeplan.delay import DELAY_UNITS
from convener.timeplan.spec import WEEKDAY_NAMES
from convener.timezones import is_iana_zone
from convener.web.fields import timezone_field
from convener.web.forms import split_emails
from convener.web.timing_fields import (
    WEEKDAY_LABELS,
    fields_from_timing,
    form_field_for,
    timing_from_fields,
)
from convener.web.when import in_words, local_in_words

CHAIN_LABELS = {
    "browser": "The contact's browser (when a form or booking page reports it)",
    "contact": "The contact's saved time zone",
    "action": "This action's time zone",
    "default": "The system default",
}
PER_HOST = [
    ("owner", "Each host has their own sequence"),
    ("one", "One sequence for everyone"),
]
# The settings of each timing mode; those of a mode not chosen are hidden, never stored,
# and never an error.
MODE_FIELDS = {
    "delay": ("delay_amount", "delay_unit"),
    "fixed": ("fixed_date", "fixed_time"),
    "field": ("field_key", "time_of_day"),
    "smart": (
        "smart_start_date",
        "smart_start_time",
        "gap_minutes",
        "window_from",
        "window_to",
        "days",
        "per_host",
        "max_per_day",
    ),
}
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _int(minimum: int, maximum: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(min_value=minimum, max_value=maximum, **kwargs)


class ActionForm(forms.Form):
    name = forms.CharField(max_length=200)
    provider = forms.ChoiceField(label="Meeting on")
    credentials = forms.ChoiceField(
        label="Whose account hosts the meetings",
        choices=CredentialsPolicy.choices,
        initial=CredentialsPolicy.CONTACT_OWNER,
    )
    fallback = forms.ChoiceField(
        label="If that account is not connected",
        required=False,
        choices=[("", "Skip the contact"), *CredentialsPolicy.choices],
        initial=CredentialsPolicy.ORGANIZATION,
    )
    named_user = forms.ModelChoiceField(
        label="Named user",
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
        empty_label="Choose a team member",
    )
    title_template = forms.CharField(
        label="Title", max_length=300, initial="Meeting with {{ contact.name }}"
    )
    description_template = forms.CharField(
        label="Description",
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    duration_minutes = _int(
        SHORTEST_MEETING_MINUTES, LONGEST_MEETING_MINUTES, label="Duration (minutes)", initial=30
    )
    timing_mode = forms.ChoiceField(
        label="When",
        choices=TimingMode.choices,
        widget=forms.RadioSelect,
        initial=TimingMode.IMMEDIATE,
    )
    delay_amount = _int(0, 10 * 366 * 24 * 60, label="Delay", required=False, initial=1)
    delay_unit = forms.ChoiceField(
        label="Unit", choices=[(u, u.capitalize()) for u in DELAY_UNITS], initial="hours"
    )
    fixed_date = forms.DateField(label="Date", required=False, widget=DATE)
    fixed_time = forms.TimeField(label="Time", required=False, widget=TIME)
    field_key = forms.ChoiceField(label="Contact field", required=False)
    time_of_day = forms.TimeField(
        label="Time of day for dates without a time",
        required=False,
        widget=TIME,
        help_text="A field holding only a date is planned at this time, in the action's zone.",
    )
    smart_start_date = forms.DateField(label="First day", required=False, widget=DATE)
    smart_start_time = forms.TimeField(label="First meeting at", required=False, widget=TIME)
    gap_minutes = _int(
        0, 7 * 24 * 60, label="Gap between meetings (minutes)", initial=10, required=False
    )
    window_from = forms.TimeField(label="Working hours from", required=False, widget=TIME)
    window_to = forms.TimeField(
        label="until", required=False, widget=TIME, help_text="00:00 as the end means midnight."
    )
    days = forms.MultipleChoiceField(
        label="Allowed days",
        required=False,
        choices=list(zip(WEEKDAY_NAMES, WEEKDAY_LABELS, strict=True)),
        widget=forms.CheckboxSelectMultiple,
        initial=list(WEEKDAY_NAMES[:5]),
    )
    per_host = forms.ChoiceField(
        label="Lay out", choices=PER_HOST, widget=forms.RadioSelect, initial="owner"
    )
    max_per_day = _int(1, 24 * 60, label="At most meetings a day per host", required=False)
    timezone = timezone_field(required=False, label="Action time zone")
    timezone_chain = forms.MultipleChoiceField(
        label="Each meeting's time zone, first that is known",
        choices=list(CHAIN_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=DEFAULT_TIMEZONE_CHAIN,
        error_messages={"required": "Tick at least one source of the meeting's time zone."},
    )
    internal_attendees = forms.ModelMultipleChoiceField(
        label="Team members",
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    external_emails = forms.CharField(
        label="Other people (email addresses)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "name@example.com, …"}),
    )
    send_invitations = forms.BooleanField(
        label="Send calendar invitations by email", required=False, initial=True
    )
    include_attendees = forms.BooleanField(
        label="Show everyone invited in each invitation", required=False, initial=True
    )
    passcode = forms.CharField(
        label="Passcode",
        required=False,
        max_length=PASSCODE_MAX,
        help_text="Zoom only; the other providers make their own.",
    )

    def __init__(self, *args: Any, instance: MeetingAction | None = None, **kwargs: Any) -> None:
        self.instance = instance or MeetingAction()
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(instance)
        super().__init__(*args, **kwargs)
        choices: Any = [(slug, provider_class(slug).name) for slug in PROVIDERS]
        self._set_choices("provider", choices)
        self.custom_fields = list(CustomField.objects.order_by("label"))
        dated = [f for f in self.custom_fields if f.kind in ("date", "datetime")]
        others = [f for f in self.custom_fields if f not in dated]
        self._set_choices(
            "field_key",
            [("", "Choose a field")]
            + [(f.key, f"{f.label} ({f.get_kind_display().lower()})") for f in dated + others],
        )
        # The chain's boxes in the stored order, the links left out after them: the
        # order they are posted in is the order tried.
        chain = [link for link in self._chain_value() if link in CHAIN_LABELS]
        order = chain + [link for link in CHAIN_LABELS if link not in chain]
        self._set_choices("timezone_chain", [(link, CHAIN_LABELS[link]) for link in order])
        if not self.is_bound and not self.initial.get("timezone"):
            # A new action's zone starts as the browser's own (filled in by actions.js).
            self.fields["timezone"].widget.attrs["data-browser-zone-default"] = "true"
        self.fields["timezone"].help_text = (
            f"Fixed times, smart scheduling and dates are read in it. Empty: "
            f"{settings.DEFAULT_TIMEZONE} (the system default)."
        )

    def _set_choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def _chain_value(self) -> list[str]:
        if self.is_bound:
            posted = getattr(self.data, "getlist", None)
            return list(posted("timezone_chain")) if posted else []
        return list(self.initial.get("timezone_chain") or DEFAULT_TIMEZONE_CHAIN)

    # -- cleaning --------------------------------------------------------------------

    def clean_external_emails(self) -> list[str]:
        return split_emails(self.cleaned_data.get("external_emails", ""))

    def clean_timezone_chain(self) -> list[str]:
        chain = list(self.cleaned_data.get("timezone_chain") or [])
        return list(dict.fromkeys(chain))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("timing_mode")
        for other, names in MODE_FIELDS.items():
            if other != mode:
                for name in names:
                    self.errors.pop(name, None)
                    data[name] = None
        needed = {
            "delay": [("delay_amount", "Say how long after the trigger.")],
            "fixed": [("fixed_date", "Pick the date."), ("fixed_time", "Pick the time.")],
            "field": [("field_key", "Choose the contact field that holds the date.")],
        }.get(str(mode), [])
        for name, message in needed:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
        if mode == "field" and data.get("field_key"):
            kind = {f.key: f.kind for f in self.custom_fields}.get(data["field_key"])
            if kind == "date" and data.get("time_of_day") is None:
                self.add_error("time_of_day", "A date field needs the time of day to meet at.")
        if mode == "smart" and not data.get("days") and "days" not in self.errors:
            self.add_error("days", "Tick at least one day.")
        if data.get("fallback") == CredentialsPolicy.NAMED_USER and not data.get("named_user"):
            self.add_error("named_user", "Name the user whose account hosts the meetings.")
        if not self.errors:
            self._check_action(data)
        return data

    def _check_action(self, data: dict[str, Any]) -> None:
        action = self.fill(self.instance, data)
        problems = action_problems(action, len(data.get("internal_attendees") or []))
        for key, message in problems.items():
            name = form_field_for(key)
            if name not in self.fields:
                name = None  # type: ignore[assignment]
            # The planner names the window's start "from"; the form calls it working hours.
            message = message.replace("than from (", "than the start of the working hours (")
            self.add_error(name, message[:1].upper() + message[1:])
        if not problems and data.get("timing_mode") == "fixed":
            self._check_fixed_time(action, data)

    def _check_fixed_time(self, action: MeetingAction, data: dict[str, Any]) -> None:
        """A fixed time must still be ahead: every launch would skip every contact."""
        zone = action.timezone or str(settings.DEFAULT_TIMEZONE)
        if not is_iana_zone(zone):
            return
        local = datetime.combine(data["fixed_date"], data["fixed_time"])
        now = timezone.now()
        try:
            instant, _ = start_instant(local, zone, now)
        except StartOutOfRange:
            self.add_error(
                "fixed_date",
                f"{local_in_words(local, zone)} is out of range: meetings start between "
                "1 Jan 2000 and 10 years from now.",
            )
            return
        if instant < now:
            self.add_error("fixed_date", f"{in_words(instant, zone)} is in the past.")

    # -- the action ----------------------------------------------------------------------

    @staticmethod
    def fill(action: MeetingAction, data: dict[str, Any]) -> MeetingAction:
        """`action` with the form's values (not saved)."""
        action.name = data["name"]
        action.provider = data["provider"]
        action.credentials = data["credentials"]
        action.fallback = data.get("fallback") or ""
        uses_named = CredentialsPolicy.NAMED_USER in (action.credentials, action.fallback)
        action.named_user = data.get("named_user") if uses_named else None
        action.title_template = data["title_template"]
        action.description_template = data.get("description_template") or ""
        action.duration_minutes = data["duration_minutes"]
        action.timing = timing_from_fields(data)
        action.timezone = data.get("timezone") or ""
        action.timezone_chain = data["timezone_chain"]
        action.external_emails = data.get("external_emails") or []
        action.send_invitations = bool(data.get("send_invitations"))
        action.include_attendees = bool(data.get("include_attendees"))
        action.passcode = data.get("passcode") or ""
        return action

    def save(self, *, author: User | None) -> MeetingAction:
        action = self.fill(self.instance, self.cleaned_data)
        if action.pk is None:
            action.created_by = author
        action.save()
        action.internal_attendees.set(self.cleaned_data.get("internal_attendees") or [])
        return action


def initial_from(action: MeetingAction, *, name: str | None = None) -> dict[str, Any]:
    """The form's values for a stored action (`name` replaces its name: a duplicate)."""
    values = {
        "name": action.name if name is None else name,
        "provider": action.provider,
        "credentials": action.credentials,
        "fallback": action.fallback,
        "named_user": action.named_user_id,
        "title_template": action.title_template,
        "description_template": action.description_template,
        "duration_minutes": action.duration_minutes,
        "timezone": action.timezone,
        "timezone_chain": action.chain,
        "internal_attendees": (
            [u.pk for u in action.internal_attendees.all()] if action.pk is not None else []
        ),
        "external_emails": ", ".join(action.external_emails or []),
        "send_invitations": action.send_invitations,
        "include_attendees": action.include_attendees,
        "passcode": action.passcode,
    }
    values.update(fields_from_timing(action.timing))
    return values
