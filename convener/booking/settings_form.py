"""The host's form for a booking page: plain words in, the page's rules out.

Hours are typed as people write them ("09:00-12:00, 13:00-17:00"), date overrides one per
line ("2030-12-24: 09:00-12:00" or "2030-12-25: off"), questions one per line (a "*" at
the end makes one required). Every problem is said next to its field.
"""

from __future__ import annotations

import re
from datetime import date, time
from itertools import pairwise
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from convener.booking.models import TITLE_MAX, BookingPage, PageKind
from convener.booking.slots import GRID
from convener.providers.registry import recipes
from convener.team.models import User
from convener.web.fields import timezone_field

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
QUARTER = int(GRID.total_seconds() // 60)
_RANGE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-\u2013]\s*(\d{1,2})(?::(\d{2}))?\s*$")


def _wall(hour: str, minute: str | None, whole: str) -> time:
    h, m = int(hour), int(minute or 0)
    if h == 24 and m == 0:
        return time(0)
    if h > 23 or m > 59:
        raise ValidationError(f"“{whole.strip()}” is not a time of day.")
    if m % QUARTER:
        raise ValidationError(
            f"“{whole.strip()}”: times are on the quarter hour (:00, :15, :30 or :45)."
        )
    return time(h, m)


def parse_hours(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:00" -> [["09:00", "12:00"], ["13:00", "17:00"]]; empty or
    "off" is no hours."""
    text = text.strip()
    if not text or text.lower() in {"off", "closed", "-", "none"}:
        return []
    found: list[tuple[time, time]] = []
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ValidationError(
                f"“{part.strip()}” is not a range of hours; write it as 09:00-17:00."
            )
        begin = _wall(match[1], match[2], part)
        end = _wall(match[3], match[4], part)
        if end != time(0) and end <= begin:
            raise ValidationError(f"“{part.strip()}” ends before it starts.")
        found.append((begin, end))
    found.sort()
    for (_, end), (begin, _) in pairwise(found):
        if end == time(0) or begin < end:
            raise ValidationError("Two of these ranges overlap; join them into one.")
    return [
        [b.strftime("%H:%M"), e.strftime("%H:%M") if e != time(0) else "24:00"] for b, e in found
    ]


def hours_text(windows: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in windows) if windows else "off"


class BookingPageForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, label="Title")
    description = forms.CharField(
        required=False,
        label="Description",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the page and in the invitation.",
    )
    published = forms.BooleanField(
        required=False, label="Published: visitors with the link can book"
    )
    kind = forms.ChoiceField(choices=PageKind.choices, label="Who hosts")
    hosts = forms.MultipleChoiceField(
        required=False,
        label="Team hosts",
        widget=forms.CheckboxSelectMultiple,
        help_text="For a team page: the members who take bookings.",
    )
    prefer_contact_owner = forms.BooleanField(
        required=False,
        label="Round robin: prefer the contact's owner when they are free",
    )
    durations = forms.CharField(
        label="Durations (minutes)",
        initial="30",
        help_text="One or several, e.g. “30, 60”: the visitor picks one; the first is the default.",
    )
    provider = forms.ChoiceField(label="Location")
    timezone = timezone_field(label="Time zone of the hours below")
    buffer_before = forms.IntegerField(
        min_value=0, max_value=240, initial=0, label="Free time before (minutes)"
    )
    buffer_after = forms.IntegerField(
        min_value=0, max_value=240, initial=0, label="Free time after (minutes)"
    )
    minimum_notice = forms.IntegerField(
        min_value=0,
        max_value=60 * 24 * 30,
        initial=240,
        label="Minimum notice (minutes)",
        help_text="No booking sooner than this from now.",
    )
    horizon_days = forms.IntegerField(
        min_value=1, max_value=365, initial=60, label="Bookable up to (days ahead)"
    )
    max_per_day = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=0,
        label="Most bookings per day",
        help_text="Per host; 0 means no limit.",
    )
    overrides = forms.CharField(
        required=False,
        label="Date overrides",
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "2030-12-24: 09:00-12:00\n2030-12-25: off"}
        ),
        help_text="One date per line, with its hours or “off”; it replaces that weekday's hours.",
    )
    questions = forms.CharField(
        required=False,
        label="Questions on the booking form",
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "What would you like to discuss? *"}
        ),
        help_text="One per line; end a line with * to make it required. "
        "Name and email are always asked.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, day in enumerate(DAYS):
            self.fields[f"day_{index}"] = forms.CharField(
                required=False,
                label=day,
                initial="09:00-17:00" if index < 5 else "off",
                widget=forms.TextInput(attrs={"placeholder": "off"}),
            )
        provider_field = self.fields["provider"]
        assert isinstance(provider_field, forms.ChoiceField)
        provider_field.choices = [(r.slug, r.name) for r in recipes()]
        host_field = self.fields["hosts"]
        assert isinstance(host_field, forms.MultipleChoiceField)
        host_field.choices = [
            (str(u.pk), u.get_full_name() or u.username)
            for u in User.objects.filter(is_active=True).order_by("username")
        ]

    @property
    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"day_{i}"] for i in range(7)]

    def clean_durations(self) -> list[int]:
        text = self.cleaned_data["durations"]
        values: list[int] = []
        for part in re.split(r"[,;\s]+", text.strip()):
            if not part:
                continue
            if not part.isdigit() or not 15 <= int(part) <= 480:
                raise ValidationError(f"“{part}” is not a duration from 15 to 480 minutes.")
            if int(part) % QUARTER:
                raise ValidationError(f"{part} minutes: durations are whole quarter hours.")
            if int(part) not in values:
                values.append(int(part))
        if not values:
            raise ValidationError("Give at least one duration, e.g. 30.")
        return values

    def clean_overrides(self) -> dict[str, list[list[str]]]:
        found: dict[str, list[list[str]]] = {}
        for number, line in enumerate(self.cleaned_data["overrides"].splitlines(), 1):
            if not line.strip():
                continue
            day_text, sep, hours = line.partition(":")
            try:
                day = date.fromisoformat(day_text.strip())
            except ValueError:
                raise ValidationError(
                    f"Line {number}: “{day_text.strip()}” is not a date; write it as 2030-12-24."
                ) from None
            if not sep:
                raise ValidationError(f"Line {number}: add “: off” or the hours after the date.")
            try:
                found[day.isoformat()] = parse_hours(hours)
            except ValidationError as problem:
                raise ValidationError(f"Line {number}: {problem.messages[0]}") from None
        return found

    def clean_questions(self) -> list[dict[str, Any]]:
        found = []
        for line in self.cleaned_data["questions"].splitlines():
            label = line.strip()
            required = label.endswith("*")
            label = label.rstrip("*").strip()
            if label:
                if len(label) > 200:
                    raise ValidationError("A question has at most 200 characters.")
                found.append({"label": label, "required": required})
        if len(found) > 10:
            raise ValidationError("Ask at most 10 questions.")
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weekly: dict[str, list[list[str]]] = {}
        for index in range(7):
            name = f"day_{index}"
            try:
                weekly[str(index)] = parse_hours(self.data.get(self.add_prefix(name), "") or "")
            except ValidationError as problem:
                self.add_error(name, problem)
        cleaned["weekly"] = weekly
        if not any(weekly.values()) and not self.errors:
            self.add_error("day_0", "Give the hours of at least one weekday.")
        if cleaned.get("kind") in {PageKind.ROUND_ROBIN, PageKind.COLLECTIVE} and not cleaned.get(
            "hosts"
        ):
            self.add_error("hosts", "A team page needs at least one host; tick the members.")
        return cleaned

    def save(self, page: BookingPage) -> BookingPage:
        data = self.cleaned_data
        for name in (
            "title",
            "description",
            "published",
            "kind",
            "prefer_contact_owner",
            "durations",
            "provider",
            "timezone",
            "buffer_before",
            "buffer_after",
            "minimum_notice",
            "horizon_days",
            "max_per_day",
            "overrides",
            "questions",
            "weekly",
        ):
            setattr(page, name, data[name])
        page.save()
        page.hosts.set([int(pk) for pk in data.get("hosts") or []])
        return page


def initial_of(page: BookingPage) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "title": page.title,
        "description": page.description,
        "published": page.published,
        "kind": page.kind,
        "hosts": [str(pk) for pk in page.hosts.values_list("pk", flat=True)],
        "prefer_contact_owner": page.prefer_contact_owner,
        "durations": ", ".join(str(d) for d in page.durations),
        "provider": page.provider,
        "timezone": page.timezone,
        "buffer_before": page.buffer_before,
        "buffer_after": page.buffer_after,
        "minimum_notice": page.minimum_notice,
        "horizon_days": page.horizon_days,
        "max_per_day": page.max_per_day,
        "overrides": "\n".join(
            f"{day}: {hours_text(windows)}" for day, windows in sorted(page.overrides.items())
        ),
        "questions": "\n".join(
            q["label"] + (" *" if q.get("required") else "") for q in page.questions
        ),
    }
    for index in range(7):
        initial[f"day_{index}"] = hours_text(page.weekly.get(str(index), []))
    return initial
