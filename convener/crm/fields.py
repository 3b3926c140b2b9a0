"""Validation of custom field values against their kinds.

A value is stored as a JSON scalar: text and choices as text, numbers as numbers, dates
as ISO dates, date-times as written (ISO, with or without an offset), yes/no as a boolean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError

from convener.crm.models import CustomField

TEXT_LENGTH = 1000


class BadValue(ValueError):
    """A value that is not of its field's kind; the message says what was expected."""


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise BadValue("a number")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    number: int | float
    try:
        number = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise BadValue("a number, like 12 or 3.5") from None
    # JSON has no infinity or NaN, and PostgreSQL would refuse to store them.
    if isinstance(number, float) and not math.isfinite(number):
        raise BadValue("a number, like 12 or 3.5")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in {"true", "1", "yes"}:
        return True
    if str(value).strip().lower() in {"false", "0", "no"}:
        return False
    raise BadValue("yes or no (true or false)")


def _datetime(value: Any) -> str:
    # Kept as written: a value without an offset is a wall time, read later in the
    # contact's zone; normalising it to UTC here would lose that meaning.
    text = (value.isoformat() if isinstance(value, datetime) else str(value)).strip()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadValue("a date and time, like 2026-12-03T15:00 or 2026-12-03T15:00:00Z") from None
    return text


def _date(value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise BadValue("a date, like 2026-12-03") from None


def _choice(value: Any, choices: Sequence[str]) -> str:
    text = str(value).strip()
    if text not in choices:
        raise BadValue(f"one of {', '.join(choices[:20])}{' …' if len(choices) > 20 else ''}")
    return text


def _text(value: Any) -> str:
    text = str(value).strip()
    if len(text) > TEXT_LENGTH:
        raise BadValue(f"a text of at most {TEXT_LENGTH} characters")
    return text


def clean_value(kind: str, value: Any, choices: Sequence[str] = ()) -> Any:
    """`value` as its field stores it, None for no value; BadValue when it is not of
    the field's kind (its message: what was expected, e.g. "a date, like 2026-12-03")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (dict, list, tuple, set)):
        raise BadValue("a single value")
    if kind == CustomField.Kind.DATE:
        return _date(value)
    if kind == CustomField.Kind.DATETIME:
        return _datetime(value)
    if kind == CustomField.Kind.NUMBER:
        return _number(value)
    if kind == CustomField.Kind.BOOLEAN:
        return _boolean(value)
    if kind == CustomField.Kind.CHOICE:
        return _choice(value, choices)
    return _text(value)


def clean_field_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check custom field values; errors are keyed `fields.<key>` so forms and the API can
    point at the exact field."""
    known = {field.key: field for field in CustomField.objects.all()}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        field = known.get(key)
        if field is None:
            errors[f"fields.{key}"] = f"there is no custom field {key!r}"
            continue
        try:
            result = clean_value(field.kind, value, field.choices or [])
        except (BadValue, TypeError) as exc:
            expected = str(exc) if isinstance(exc, BadValue) else "valid"
            errors[f"fields.{key}"] = f"{field.label}: {str(value)[:100]!r} is not {expected}"
            continue
        if result is not None:
            cleaned[key] = result
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_field_value(kind: str, value: Any, choices: Sequence[str] = ()) -> Any:
    """One value for a custom field of `kind`, as it is stored (None for an empty one); a
    ValidationError saying what was expected otherwise. For callers that check many values
    of known kinds (a CSV import) without asking the database for the kinds each time."""
    try:
        return clean_value(kind, value, choices)
    except BadValue as exc:
        raise ValidationError(f"{str(value)[:100]!r} is not {exc}") from None
