"""Lists for django-ninja's pagination that convert only the page asked for.

`@paginate` slices what the view returns and counts it. A list of every row turned into
a dict costs the whole table on every page; `Rows` hands the slice to the database and
converts only the rows of the page, so a page costs its size, which is capped
(NINJA_PAGINATION_MAX_LIMIT).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

# The database binds OFFSET and LIMIT as 64-bit integers: a larger offset (any number is a
# valid one) finds no row, so it is answered as an empty page, never sent.
_LARGEST_BOUND = 2**63 - 1


class Rows(Generic[M]):
    def __init__(self, queryset: QuerySet[M], convert: Callable[[M], dict[str, Any]]) -> None:
        self.queryset = queryset
        self.convert = convert

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        start, stop = page.start or 0, page.stop
        if start >= _LARGEST_BOUND:
            return []
        if stop is not None:
            stop = min(stop, _LARGEST_BOUND)
        return [self.convert(row) for row in self.queryset[start:stop]]

    def all(self) -> QuerySet[M]:
        """What the paginator counts (it calls `.all().count()`)."""
        return self.queryset.all()

    def __len__(self) -> int:
        return self.queryset.count()
