"""The builder's counts as JSON, for the page's script to move them while a campaign runs.
The builder draws the same numbers itself, so without the script they are those of the
last load."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from convener.campaigns import permissions, tree
from convener.campaigns.models import StepState

# What each event's card shows: a cancelled step is in none of its numbers.
SHOWN = (StepState.PENDING, StepState.DONE, StepState.FAILED)


@never_cache
@login_required
def campaign_counts(request: HttpRequest, pk: int) -> JsonResponse:
    campaign = permissions.find_campaign(request.user, pk)
    counts = tree.step_counts(campaign)
    return JsonResponse(
        {
            "events": {
                str(event_id): {state: by_state.get(state, 0) for state in SHOWN}
                for event_id, by_state in counts.items()
            }
        }
    )
