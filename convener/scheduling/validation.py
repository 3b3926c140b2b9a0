"""The one check of a MeetingAction, for the API, the web pages and every trigger.

Errors are keyed by field, so a form or an API answer points at the exact one. A caller
whose fields have other names (the popup's `title` is the action's `title_template`)
renames the keys of `action_problems` (see convener/scheduling/oneoff.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from convener import timeplan
from convener.crm.models import CustomField
from convener.meetings.models import CredentialsPolicy, MeetingAction
from convener.plaintext import single_line_error
from convener.providers.registry import PROVIDERS
from convener.scheduling import placeholders
from convener.scheduling.limits import (
    PASSCODE_MAX,
    attendee_problems,
    description_problems,
    title_problems,
)
from convener.timeplan.bounds import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES
from convener.timezones import zone_refusal


def zone_problem(name: str) -> str:
    """Why `name` is not a zone a meeting can be planned in ("" when it is one): a city
    zone or UTC, in the words of `zone_refusal`, which the web forms and the CSV import
    use too."""
    return zone_refusal(name)


def duration_problem(minutes: int) -> str:
    if SHORTEST_MEETING_MINUTES <= minutes <= LONGEST_MEETING_MINUTES:
        return ""
    return (
        f"the duration must be between {SHORTEST_MEETING_MINUTES} minutes and "
        f"{LONGEST_MEETING_MINUTES // 60} hours"
    )


def passcode_problem(passcode: str) -> str:
    if len(passcode) > PASSCODE_MAX:
        return f"a passcode has at most {PASSCODE_MAX} characters"
    problem = single_line_error(passcode)
    return f"the passcode {problem}" if problem else ""


def action_problems(action: MeetingAction, team_members: int = 0) -> dict[str, str]:
    """Everything wrong with `action`, keyed by its field names. `team_members`: how many
    internal attendees it will have (a saved action's are set after saving)."""
    errors: dict[str, str] = {}
    name_problem = single_line_error(action.name)
    if name_problem:
        errors["name"] = f"the name {name_problem}"
    errors.update(title_problems(action.title_template, "title_template", limit=300))
    errors.update(
        description_problems(action.description_template, action.provider, "description_template")
    )
    errors.update(attendee_problems(action.external_emails or [], team_members, "external_emails"))
    if action.provider not in PROVIDERS:
        errors["provider"] = f"unknown provider {action.provider!r}; one of {', '.join(PROVIDERS)}"
    custom_fields = list(CustomField.objects.values_list("key", flat=True))
    for name in ("title_template", "description_template"):
        found = placeholders.problems(getattr(action, name), custom_fields)
        if found:
            errors.setdefault(name, f"{found[0]} ({placeholders.describe_known(custom_fields)})")
    if action.timezone and (zone := zone_problem(action.timezone)):
        errors["timezone"] = zone
    if action.credentials == CredentialsPolicy.NAMED_USER and action.named_user is None:
        errors["named_user"] = "name the user whose account hosts the meetings"
    if duration := duration_problem(action.duration_minutes):
        errors["duration_minutes"] = duration
    if passcode := passcode_problem(action.passcode):
        errors["passcode"] = passcode
    timing_error = _timing_problem(action, known_zone="timezone" not in errors)
    if timing_error:
        errors.setdefault(*timing_error)
    return errors


def _timing_problem(action: MeetingAction, *, known_zone: bool) -> tuple[str, str] | None:
    timing = dict(action.timing or {"mode": "immediate"})
    # An unknown zone is reported once, as `timezone`, not again as timing.timezone.
    timing["timezone"] = action.timezone or None if known_zone else None
    # A duration out of range is reported on its own; the timing is checked with one in
    # range, so that its own problems still show.
    duration = min(max(action.duration_minutes, SHORTEST_MEETING_MINUTES), LONGEST_MEETING_MINUTES)
    try:
        timeplan.parse_spec(
            {
                "now": timezone.now().isoformat(),
                "duration_minutes": duration,
                "timing": timing,
                "timezone_chain": action.chain,
                "recipients": [],
            }
        )
    except timeplan.SpecError as exc:
        return exc.key or "timing", exc.message
    return None


def validate_action(action: MeetingAction, team_members: int = 0) -> None:
    """Raise ValidationError with every problem of `action`; nothing is saved here."""
    errors = action_problems(action, team_members)
    if errors:
        raise ValidationError(errors)
