"""The API object: /api/v1, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import Swagger

from convener.api import (
    actions,
    booking_pages,
    calendar_events,
    campaigns,
    contacts,
    errors,
    forms,
    lifecycle,
    meetings,
    plans,
    runs,
    segments,
    workitems,
)
from convener.api.auth import AUTH
from convener.api.openapi import ConvenerAPI
from convener.api.parser import StoredTextParser

api = ConvenerAPI(
    title="Convener API",
    version="1",
    description="Schedule online meetings for contacts. Authenticate with "
    "`Authorization: Bearer <token>` (make one with `convener createtoken USER`).",
    auth=AUTH,
    parser=StoredTextParser(),
    # No online validator badge: the docs page must not reach any other origin.
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)
api.add_router("", contacts.router)
api.add_router("", meetings.router)
api.add_router("", plans.router)
api.add_router("", actions.router)
api.add_router("", lifecycle.router)
api.add_router("", segments.router)
api.add_router("", runs.router)
api.add_router("", forms.router)
api.add_router("", workitems.router)
api.add_router("", campaigns.router)
api.add_router("", calendar_events.router)
api.add_router("", booking_pages.router)
