"""Who may see and change campaigns, in the manner of convener.team.access.

Campaigns are built by the people who may manage meeting actions: every signed-in
member, as for forms and segments. Every member sees the campaigns; a campaign is changed
by its owner (who made it) and by administrators. A campaign runs for no signed-in
person: its meeting steps are automated triggers, hosted as their action says.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from convener.campaigns.models import Campaign
from convener.team import access
from convener.team.access import NotAllowed, NotVisible


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    if not _signed_in(user):
        return Campaign.objects.none()
    return Campaign.objects.select_related("owner")


def refusal(user: Any, campaign: Campaign) -> str:
    """Why the person may not change `campaign`; "" when they may."""
    if access.is_admin(user):
        return ""
    if campaign.owner_id is not None and campaign.owner_id == getattr(user, "pk", None):
        return ""
    if campaign.owner_id is None:
        return "This campaign is nobody's: only administrators change it."
    return "Only its owner and administrators change a campaign."


def may_change(user: Any, campaign: Campaign) -> bool:
    return _signed_in(user) and not refusal(user, campaign)


def find_campaign(user: Any, pk: Any, *, edit: bool = False) -> Campaign:
    """The campaign `pk` if the person may see it (and change it, with `edit`); else
    NotVisible (404) or NotAllowed (403)."""
    try:
        campaign = visible_campaigns(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        campaign = None
    if campaign is None:
        raise NotVisible("not found")
    if edit and (reason := refusal(user, campaign)):
        raise NotAllowed(reason)
    return campaign
