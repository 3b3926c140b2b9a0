"""Reusable MeetingActions: validation, and the preview a person sees before a bulk launch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from convener import timeplan
from convener.crm.models import CustomField
from convener.meetings.models import CredentialsPolicy, MeetingAction
from convener.plaintext import single_line_error
from convener.providers.registry import PROVIDERS, provider_class
from convener.scheduling import placeholders
from convener.scheduling.limits import attendee_problems, description_problems, title_problems
from convener.scheduling.schedule import ScheduleRequest, plan_recipients
from convener.timezones import is_iana_zone


def validate_action(action: MeetingAction, team_members: int = 0) -> None:
    """Errors keyed by field, so the API and the forms can point at the exact one.
    `team_members`: how many internal attendees it will have (they are set after saving)."""
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
    if action.timezone and not is_iana_zone(action.timezone):
        errors["timezone"] = f"{action.timezone!r} is not a time zone"
    if action.credentials == CredentialsPolicy.NAMED_USER and action.named_user is None:
        errors["named_user"] = "name the user whose account hosts the meetings"
    if not 5 <= action.duration_minutes <= 24 * 60:
        errors["duration_minutes"] = "the duration must be between 5 minutes and 24 hours"
    try:
        timing = dict(action.timing or {"mode": "immediate"})
        # An unknown zone is reported once, as `timezone`, not again as timing.timezone.
        timing["timezone"] = None if "timezone" in errors else action.timezone or None
        timeplan.parse_spec(
            {
                "now": "2026-01-01T00:00:00Z",
                "duration_minutes": action.duration_minutes,
                "timing": timing,
                "timezone_chain": action.chain,
                "recipients": [],
            }
        )
    except timeplan.SpecError as exc:
        errors[exc.key or "timing"] = exc.message
    if errors:
        raise ValidationError(errors)


@dataclass
class Preview:
    planned: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    first_start: str | None = None
    last_start: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def preview(request: ScheduleRequest) -> Preview:
    """What launching would do, without saving anything: how many meetings, when, who is
    skipped and why, and which hosts would exceed their provider's daily cap."""
    plan, choices, skipped = plan_recipients(request)
    reasons = Counter(s.reason for s in skipped) + Counter(s.reason for s in plan.skipped)
    result = Preview(
        planned=len(plan.meetings),
        skipped=len(skipped) + len(plan.skipped),
        skip_reasons=dict(reasons.most_common(10)),
    )
    if plan.meetings:
        starts = sorted(m.start for m in plan.meetings)
        result.first_start, result.last_start = starts[0].isoformat(), starts[-1].isoformat()
    cap = provider_class(request.action.provider).capabilities.daily_writes_per_host
    if cap:
        per_host = Counter(choices[int(m.id)].host_id for m in plan.meetings)
        for host_id, count in per_host.items():
            if count > cap:
                days = -(-count // cap)
                result.warnings.append(
                    f"host #{host_id}: {count} meetings, more than the provider's {cap} a day; "
                    f"links will take {days} days to create (the rest wait for quota until "
                    "00:00 UTC each day)"
                )
    return result
