"""Validation of custom field values against their kinds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError

from convener.crm.models import CustomField


def _clean(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == CustomField.Kind.DATE:
        return date.fromisoformat(str(value)).isoformat()
    if kind == CustomField.Kind.DATETIME:
        # Kept as written: a value without an offset is a wall time, read later in the
        # contact's zone; normalising it to UTC here would lose that meaning.
        text = str(value).strip()
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return text
    if kind == CustomField.Kind.NUMBER:
        if isinstance(value, bool):
            raise ValueError
        return float(value) if "." in str(value) else int(value)
    if kind == CustomField.Kind.BOOLEAN:
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "1", "yes"}:
            return True
        if str(value).lower() in {"false", "0", "no"}:
            return False
        raise ValueError
    return str(value)


_EXPECTED: dict[str, str] = {
    CustomField.Kind.DATE: "a date like 2026-12-03",
    CustomField.Kind.DATETIME: "a date and time like 2026-12-03T15:00 or 2026-12-03T15:00:00Z",
    CustomField.Kind.NUMBER: "a number",
    CustomField.Kind.BOOLEAN: "true or false",
}


def clean_field_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check custom field values; errors are keyed `fields.<key>` so forms and the API can
    point at the exact field."""
    kinds = dict(CustomField.objects.values_list("key", "kind"))
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        if key not in kinds:
            errors[f"fields.{key}"] = f"there is no custom field {key!r}"
            continue
        try:
            result = _clean(kinds[key], value)
        except (TypeError, ValueError):
            errors[f"fields.{key}"] = f"{value!r} is not {_EXPECTED.get(kinds[key], 'valid')}"
            continue
        if result is not None:
            cleaned[key] = result
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_field_value(kind: str, value: Any) -> Any:
    """One value for a custom field of `kind`, as it is stored (None for an empty one); a
    ValidationError saying what was expected otherwise. For callers that check many values
    of known kinds (a CSV import) without asking the database for the kinds each time."""
    try:
        return _clean(kind, value)
    except (TypeError, ValueError):
        raise ValidationError(f"{value!r} is not {_EXPECTED.get(kind, 'valid')}") from None
