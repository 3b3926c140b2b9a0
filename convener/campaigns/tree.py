"""The campaign's events as the builder draws them: a tree from top to bottom, each
event with its counts and, under a condition or a decision, its yes and no branches."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from convener.campaigns.models import Branch, Campaign, Event, Step, StepState
from convener.campaigns.timing import describe


@dataclass
class Lane:
    """Where events hang: the top, after an action, or a yes/no branch."""

    parent: Event | None
    branch: str
    label: str
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Node:
    event: Event
    timing: str
    counts: dict[str, int]
    lanes: list[Lane]


def step_counts(campaign: Campaign) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Step.objects.filter(campaign=campaign)
        .order_by()
        .values_list("event_id", "state")
        .annotate(n=Count("pk"))
    )
    for event_id, state, n in rows:
        counts.setdefault(event_id, dict.fromkeys(StepState.values, 0))[state] = n
    return counts


def build(campaign: Campaign) -> Lane:
    events = list(Event.objects.filter(campaign=campaign, removed=False).select_related("action"))
    counts = step_counts(campaign)
    below: dict[tuple[int | None, str], list[Event]] = {}
    for event in events:
        below.setdefault((event.parent_id, event.branch), []).append(event)

    def lane(parent: Event | None, branch: str, label: str) -> Lane:
        found = Lane(parent, branch, label)
        for event in below.get((parent.pk if parent else None, branch), []):
            if event.branches:
                lanes = [
                    lane(event, Branch.YES, "Yes"),
                    lane(event, Branch.NO, "No" if event.kind == "condition" else "Did not happen"),
                ]
            else:
                lanes = [lane(event, "", "Then")]
            found.nodes.append(
                Node(
                    event,
                    describe(event),
                    counts.get(event.pk, dict.fromkeys(StepState.values, 0)),
                    lanes,
                )
            )
        return found

    return lane(None, "", "Start")
