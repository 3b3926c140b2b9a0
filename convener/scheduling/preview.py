"""The preview a person sees before a launch: what it would schedule, without saving."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from convener.providers.registry import provider_class
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.schedule import plan_recipients


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
