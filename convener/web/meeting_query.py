"""Which meetings the meetings list shows, and in what order: the view (upcoming, past,
all), the search, the filters and the sort, read from the page's query string.

It follows the contacts list (`convener.web.contact_query`): one frozen query read from
the parameters, one function per filter, and a filter with a value it cannot read says
so (FilterProblem) and keeps no meeting, rather than silently listing more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from convener.meetings.models import Meeting
from convener.meetings.phases import BY_SLUG
from convener.meetings.triggers import TriggerKind
from convener.team import access
from convener.timeplan.bounds import LONGEST_MEETING_MINUTES

TEXT_MAX = 200

VIEWS = {"upcoming": "Upcoming", "past": "Past", "all": "All"}
# Each view's own order when the person has not picked one: the next meeting first, or
# the latest one first.
DEFAULT_SORT = {"upcoming": "start", "past": "-start", "all": "-start"}
SORTS = ("start", "-start")
# The row states the list filtered by before it spoke of phases: links kept from then
# still find the same meetings.
STATE_ALIASES = {
    "planned": "being_created",
    "creating": "being_created",
    "linked": "scheduled",
    "invited": "scheduled",
    "link_failed": "failed",
    "link_pending": "waiting_link",
    "waiting_connection": "waiting_reconnect",
}


class FilterProblem(ValueError):
    """A filter's value cannot be read; the message says why, in the person's words."""


@dataclass(frozen=True)
class MeetingQuery:
    view: str = "upcoming"
    q: str = ""
    state: str = ""  # a phase's slug: being_created, failed, ...
    provider: str = ""
    host: str = ""  # "", "me", "none" or a team member's id
    account: str = ""  # a connected account's id
    trigger: str = ""  # a TriggerKind value
    run: str = ""  # a run's id
    sort: str = ""  # "" is the view's own order

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MeetingQuery:
        values: dict[str, str] = {}
        for item in fields(cls):
            raw = params.get(item.name, "")
            # PostgreSQL refuses NUL in text, even in a search: it cannot match anything.
            text = str(raw or "").replace("\x00", "").strip()[:TEXT_MAX]
            if text:
                values[item.name] = text
        query = cls(**values)
        if query.state in STATE_ALIASES:
            query = replace(query, state=STATE_ALIASES[query.state])
        if query.view not in VIEWS:
            query = replace(query, view="upcoming")
        if query.sort not in SORTS or query.sort == DEFAULT_SORT[query.view]:
            query = replace(query, sort="")
        return query

    @property
    def order(self) -> str:
        return self.sort or DEFAULT_SORT[self.view]

    def as_params(self, *, sort: bool = True, view: bool = True) -> dict[str, str]:
        """The query as query-string parameters, without the empty and default ones."""
        params = {item.name: getattr(self, item.name) for item in fields(self)}
        if not view or params["view"] == "upcoming":
            params.pop("view")
        if not sort:
            params.pop("sort")
        return {name: value for name, value in params.items() if value}

    @property
    def filtered(self) -> bool:
        """Whether anything but the view and the order narrows the list."""
        return bool(self.as_params(sort=False, view=False))

    def meetings(self, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
        """`meetings` narrowed by the view and every filter; raises FilterProblem."""
        meetings = _by_view(self, meetings, timezone.now())
        for keep in FILTERS:
            meetings = keep(self, user, meetings)
        return meetings

    def ordered(self, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
        # The id after the start: pages of meetings at the same time stay in one order,
        # and both columns are the index the list reads in either direction.
        if self.order == "start":
            return meetings.order_by("start", "id")
        return meetings.order_by("-start", "-id")


def _by_view(query: MeetingQuery, meetings: QuerySet[Meeting], now: datetime) -> QuerySet[Meeting]:
    """Upcoming: not over yet, so that a meeting made to start now (or going on) is
    still where its host looks for it. The bound on the start keeps that a short range
    of the start index: no meeting lasts longer than a day."""
    if query.view == "upcoming":
        longest = timedelta(minutes=LONGEST_MEETING_MINUTES)
        return meetings.filter(start__gte=now - longest, end__gt=now)
    if query.view == "past":
        return meetings.filter(end__lte=now)
    return meetings


def _by_search(query: MeetingQuery, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    if not query.q:
        return meetings
    condition = Q()
    for word in query.q.split()[:10]:
        condition &= (
            Q(title__icontains=word)
            | Q(contact__first_name__icontains=word)
            | Q(contact__last_name__icontains=word)
            | Q(contact__email__icontains=word)
        )
    return meetings.filter(condition)


def _by_state(query: MeetingQuery, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    if not query.state:
        return meetings
    phase = BY_SLUG.get(query.state)
    if phase is None:
        raise FilterProblem("State: choose one from the list.")
    return meetings.filter(phase.condition)


def _by_provider(query: MeetingQuery, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    # A provider removed since keeps its meetings: any slug is a fair question.
    return meetings.filter(provider=query.provider) if query.provider else meetings


def _by_host(query: MeetingQuery, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    if not query.host:
        return meetings
    if query.host == "none":
        return meetings.filter(host__isnull=True)
    if query.host == "me":
        return meetings.filter(host=user.pk)
    if not query.host.isdigit():
        raise FilterProblem("Host: choose a team member from the list.")
    return meetings.filter(host=int(query.host))


def _by_account(query: MeetingQuery, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    if not query.account:
        return meetings
    # Only accounts whose details the person may see can be named: the filter must not
    # tell them which meetings run on another member's account they may not see.
    accounts = access.visible_connections(user)
    if not query.account.isdigit() or not accounts.filter(pk=int(query.account)).exists():
        raise FilterProblem("Account: choose a connected account from the list.")
    return meetings.filter(connection=int(query.account))


def _by_trigger(query: MeetingQuery, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    if not query.trigger:
        return meetings
    if query.trigger not in TriggerKind.values:
        raise FilterProblem("Made by: choose one from the list.")
    return meetings.filter(trigger=query.trigger)


def _by_run(query: MeetingQuery, user: Any, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    if not query.run:
        return meetings
    run = (
        access.visible_runs(user).filter(pk=int(query.run)).first() if query.run.isdigit() else None
    )
    if run is None:
        raise FilterProblem("Run: there is no such run, or it is not yours to follow.")
    return meetings.filter(run.meeting_lookup())  # as its page counts them


Filter = Callable[[MeetingQuery, Any, QuerySet[Meeting]], QuerySet[Meeting]]

# In order; a new filter is one more field on MeetingQuery, one function here and one
# input in web/meetings/filters.html.
FILTERS: list[Filter] = [
    _by_search,
    _by_state,
    _by_provider,
    _by_host,
    _by_account,
    _by_trigger,
    _by_run,
]


def matching(user: Any, query: MeetingQuery) -> QuerySet[Meeting]:
    """The meetings the person may see that match `query`; raises FilterProblem."""
    meetings = access.visible(user, Meeting.objects.select_related("contact", "host", "connection"))
    return query.ordered(query.meetings(user, meetings))
