"""The forms of the segment pages (the rules have their own builder: builder.py)."""

from __future__ import annotations

from typing import Any

from django import forms

from convener.meetings.models import MeetingAction
from convener.meetings.triggers import OCCURRENCE_MAX, new_occurrence
from convener.segments.models import NAME_MAX, Segment
from convener.web.fields import timezone_field


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    kind = forms.ChoiceField(
        choices=[
            (Segment.Kind.DYNAMIC, "Dynamic: contacts matching rules"),
            (Segment.Kind.STATIC, "Static: contacts added by hand"),
        ],
        widget=forms.RadioSelect,
        initial=Segment.Kind.DYNAMIC,
    )
    timezone = timezone_field(label="Dates are read in")


class ActionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ScheduleSegmentForm(forms.Form):
    action = ActionChoice(
        queryset=MeetingAction.objects.order_by("name", "pk"),
        label="Meeting action",
        empty_label="Choose an action…",
        error_messages={"invalid_choice": "That action no longer exists; choose another."},
    )
    browser_timezone = forms.CharField(required=False, widget=forms.HiddenInput)
    # One per opening of the dialog: a second submit of the same form (a double click, a
    # resend after a timeout) finds the meetings the first one made.
    occurrence = forms.CharField(
        required=False, max_length=OCCURRENCE_MAX, widget=forms.HiddenInput, initial=new_occurrence
    )


class SegmentChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class AddToSegmentForm(forms.Form):
    """Which static segment the list's selection goes into: one of the person's own, or
    a new one by name. Named `into`: `segment` is the list's filter, carried along with
    the selection."""

    into = SegmentChoice(
        queryset=Segment.objects.none(),
        required=False,
        label="Static segment",
        empty_label="Choose a segment…",
        error_messages={"invalid_choice": "That segment is no longer one you may change."},
    )
    new_name = forms.CharField(
        required=False,
        max_length=NAME_MAX,
        label="Or a new static segment named",
    )

    def __init__(self, *args: Any, segments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        segment_field = self.fields["into"]
        assert isinstance(segment_field, forms.ModelChoiceField)
        segment_field.queryset = segments
        if not segments.exists():
            # Nothing to choose from: a new segment is the only way, not an alternative.
            self.fields["new_name"].label = "Name of a new static segment"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen, name = data.get("into"), (data.get("new_name") or "").strip()
        if chosen is not None and name:
            self.add_error("new_name", "Choose a segment or name a new one, not both.")
        elif chosen is None and not name and not self.errors:
            self.add_error("into", "Choose a segment, or name a new one below.")
        data["new_name"] = name
        return data
