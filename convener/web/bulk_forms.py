"""The bulk popup's own choices: how the selected contacts get their meetings (a saved
action, or options set once in the popup, which are the single popup's
ScheduleMeetingForm), and the launch's occurrence."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from convener.crm.models import Contact
from convener.meetings.models import MeetingAction
from convener.meetings.triggers import OCCURRENCE_MAX, new_occurrence
from convener.providers.registry import provider_class
from convener.scheduling.hosting import HostChoice, host_options
from convener.team.models import User
from convener.timezones import validate_timezone
from convener.web.forms import ScheduleMeetingForm

ACTION, OPTIONS = "action", "options"


class ActionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class BulkLaunchForm(forms.Form):
    how = forms.ChoiceField(
        label="How",
        choices=[(OPTIONS, "Set the options here"), (ACTION, "Run a saved action")],
        widget=forms.RadioSelect,
        initial=OPTIONS,
    )
    action = ActionChoice(
        label="Action",
        queryset=MeetingAction.objects.order_by("name", "pk"),
        required=False,
        empty_label="Choose an action",
        error_messages={"invalid_choice": "That action no longer exists; choose another."},
    )
    browser_timezone = forms.CharField(required=False, widget=forms.HiddenInput)
    # One per opening of the popup: a second submit of the same popup (a double click, a
    # resend after a timeout) is the same launch, so the same run and the same meetings.
    occurrence = forms.CharField(
        required=False, max_length=OCCURRENCE_MAX, widget=forms.HiddenInput, initial=new_occurrence
    )

    def clean_browser_timezone(self) -> str:
        value = self.cleaned_data.get("browser_timezone") or ""
        try:
            validate_timezone(value)
        except ValidationError:
            return ""  # a browser that reports nonsense is ignored, not an error
        return value

    def clean_occurrence(self) -> str:
        # The popup always sends one; a hand-made request without it is a new launch.
        return str(self.cleaned_data.get("occurrence") or "").strip() or new_occurrence()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == ACTION and not data.get("action") and "action" not in self.errors:
            self.add_error("action", "Choose the action to run.")
        return data


# In bulk each contact may have another owner: the first choice is the default order.
BULK_HOSTS = [("", "Each contact's owner, else mine, else the organization's"), *HostChoice.choices]


def bulk_options(*args: Any, **kwargs: Any) -> ScheduleMeetingForm:
    """The single popup's options, with the bulk choices of who hosts."""
    form = ScheduleMeetingForm(*args, **kwargs)
    host = form.fields["host"]
    host.choices = BULK_HOSTS  # type: ignore[attr-defined]
    host.initial = ""
    host.help_text = (
        "A contact whose chosen account cannot host (no owner, or an owner without a "
        "connected account) is skipped, with the reason."
    )
    return form


def bulk_host_refusal(user: User, choice: str | None, provider: str) -> str:
    """Why "My account" or "The organization's account" cannot host any of the meetings
    ("" when it can): said once, next to the choice, rather than once per contact."""
    if choice not in (HostChoice.ME, HostChoice.ORGANIZATION):
        return ""
    if not provider_class(provider).capabilities.needs_connection:
        return ""
    for option in host_options(user, Contact(), provider):
        if option.choice == choice and not option.usable:
            return option.reason
    return ""
