"""What the builder's action panel says about the chosen meeting action: when it plans
the meeting, and, for a timing read from a contact field, which form field feeds it or a
warning that none does."""

from __future__ import annotations

from dataclasses import dataclass

from convener.crm.models import CustomField
from convener.intake.start import field_of_timing
from convener.web.action_words import chain_in_words, timing_in_words, zone_of
from convener.webforms.models import FormField, WebForm


@dataclass(frozen=True)
class ActionPanel:
    timing: str  # the action's timing in words
    zone: str
    chain: list[str]
    reads_field: str  # the custom field's label when the timing reads one, else ""
    fed_by: FormField | None  # the form field that fills it
    warning: str
    time_of_day: str  # for date-only values


def action_panel(form: WebForm, fields: list[FormField]) -> ActionPanel | None:
    action = form.action
    if action is None:
        return None
    target = field_of_timing(action)
    reads = ""
    fed_by = None
    warning = ""
    if target:
        key = target.removeprefix("fields.")
        custom = CustomField.objects.filter(key=key).first()
        reads = custom.label if custom else key
        fed_by = next((f for f in fields if f.target == target), None)
        if fed_by is None:
            warning = (
                f"The action reads the contact field “{reads}”, which this form does not "
                "fill: a visitor whose contact has no value there gets no meeting. Add a "
                f"date or date-and-time field that fills “{reads}”."
            )
        elif not fed_by.required:
            warning = (
                f"“{fed_by.label}” is optional: a visitor who leaves it empty is asked for "
                "it only if their contact has no value yet."
            )
    return ActionPanel(
        timing=timing_in_words(action),
        zone=zone_of(action),
        chain=chain_in_words(action),
        reads_field=reads,
        fed_by=fed_by,
        warning=warning,
        time_of_day=str((action.timing or {}).get("time_of_day") or ""),
    )
