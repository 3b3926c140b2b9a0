"""/api/v1/campaigns: the campaigns, and adding contacts to one (a CRM or a script
putting people on a journey). Every member sees the campaigns; adding contacts is for
the campaign's owner and administrators, naming contacts they may see
(docs/permissions.md)."""

# No `from __future__ import annotations` here: @paginate re-reads the list view's
# annotations (see api/meetings.py).

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.rows import Rows
from convener.api.schemas import RowId
from convener.campaigns import engine, permissions, sources
from convener.campaigns.models import Campaign
from convener.scheduling.limits import LAUNCH_CONTACT_IDS_MAX
from convener.team import access

router = Router(tags=["campaigns"])


class CampaignOut(Schema):
    id: int
    name: str
    description: str
    published: bool = Field(description="contacts enter and steps run only when published")
    allow_restart: bool = Field(description="contacts may go through it again")
    timezone: str = Field(description="the zone its delays and dates are read in")
    owner: str | None = Field(description="username of the campaign's owner")
    created_at: datetime


class ContactsIn(Schema):
    contact_ids: list[RowId] = Field(..., min_length=1, max_length=LAUNCH_CONTACT_IDS_MAX)


class EnteredOut(Schema):
    entered: int = Field(description="contacts who started a pass through the campaign")
    already: int = Field(description="contacts already in it (or done, without restarts)")


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "description": campaign.description,
        "published": campaign.published,
        "allow_restart": campaign.allow_restart,
        "timezone": campaign.timezone,
        "owner": campaign.owner.username if campaign.owner else None,
        "created_at": campaign.created_at,
    }


@router.get("/campaigns", response=list[CampaignOut])
@paginate
def list_campaigns(request: HttpRequest) -> Rows[Campaign]:
    """Every campaign, by name."""
    return Rows(permissions.visible_campaigns(person(request)), campaign_out)


@router.post("/campaigns/{campaign_id}/contacts", response=EnteredOut)
def add_contacts(request: HttpRequest, campaign_id: RowId, payload: ContactsIn) -> dict[str, Any]:
    """Put contacts you may see into a campaign: each starts at its first steps."""
    user = person(request)
    campaign = permissions.find_campaign(user, campaign_id, edit=True)
    contacts = access.find_contacts(user, payload.contact_ids)
    if not engine.accepting(campaign, timezone.now()):
        raise ValidationError(
            {
                "campaign_id": f"“{campaign.name}” is not taking contacts now: publish it, "
                "or check its activation window."
            }
        )
    entered = sources.add_contacts(campaign, [c.pk for c in contacts])
    return {"entered": entered.entered, "already": entered.already}
