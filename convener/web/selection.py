"""The contacts a person selected on the contacts list, as forms carry them: the boxes
ticked on the page (`ids`), or "all N matching" (`all=1` and the list's query), then
changed in the bulk popup (`exclude` removes, `include` adds).

"All matching" travels as the query, never as its ids, and is resolved here, on the
server, to the matching contacts the person may change (access.editable_contacts), the
way the API reads `all_contacts`. Contacts picked one by one are those the person may
see; the ones they may not change are named and skipped by whatever acts on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from convener.crm.models import Contact
from convener.scheduling.limits import LAUNCH_CONTACT_IDS_MAX
from convener.team import access
from convener.web.contact_query import ContactQuery

# Ids a form may carry in each list: a page of the list holds at most a hundred, and the
# popup's additions and removals are made one at a time.
IDS_MAX = LAUNCH_CONTACT_IDS_MAX


def _ids(values: Iterable[str]) -> list[int]:
    found: list[int] = []
    for value in values:
        text = str(value).strip()
        if text.isdigit() and len(text) < 19:
            found.append(int(text))
    return list(dict.fromkeys(found))[:IDS_MAX]


@dataclass
class Selection:
    query: ContactQuery = field(default_factory=ContactQuery)
    all_matching: bool = False
    ids: list[int] = field(default_factory=list)
    exclude: list[int] = field(default_factory=list)
    include: list[int] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: QueryDict) -> Selection:
        return cls(
            query=ContactQuery.from_params(params),
            all_matching=params.get("all") == "1",
            ids=_ids(params.getlist("ids")),
            exclude=_ids(params.getlist("exclude")),
            include=_ids(params.getlist("include")),
        )

    @property
    def empty(self) -> bool:
        return not (self.all_matching or self.ids or self.include)

    def contacts(self, user: Any) -> QuerySet[Contact]:
        """The selected contacts: raises contact_query.FilterProblem for "all matching"
        with a filter that cannot be read."""
        visible = access.visible_contacts(user)
        if self.all_matching:
            chosen = self.query.contacts(user, access.editable_contacts(user))
            base = visible.filter(pk__in=chosen.values("pk"))
        else:
            base = visible.filter(pk__in=self.ids)
        if self.exclude:
            base = base.exclude(pk__in=self.exclude)
        if self.include:
            base = base | visible.filter(pk__in=self.include)
        return self.query.ordered(base)

    def remove(self, pk: int) -> None:
        if pk in self.include:
            self.include.remove(pk)
        elif pk not in self.exclude:
            self.exclude.append(pk)

    def add(self, pk: int) -> None:
        if pk in self.exclude:
            self.exclude.remove(pk)
        if pk not in self.include:
            self.include.append(pk)

    def hidden_inputs(self) -> list[tuple[str, str]]:
        """The selection as (name, value) pairs, for hidden inputs and links."""
        pairs: list[tuple[str, str]] = list(self.query.as_params().items())
        if self.all_matching:
            pairs.append(("all", "1"))
        pairs += [("ids", str(pk)) for pk in self.ids]
        pairs += [("exclude", str(pk)) for pk in self.exclude]
        pairs += [("include", str(pk)) for pk in self.include]
        return pairs
