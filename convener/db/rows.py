"""The row of a lookup by a unique key, without asking for an order.

`.first()` orders by the model's ordering (or the primary key) to pick the first of many.
A lookup by a unique key has one row at most, and working out the ORDER BY is Django's
costliest step in compiling such a query: for the public form's page and send it was
about a tenth of the request's CPU time (bench/bench_form_submissions.py, profiled).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def unique_row(queryset: models.QuerySet[M]) -> M | None:
    """The one row `queryset` (filtered by a unique key) finds, or None."""
    return next(iter(queryset.order_by()[:1]), None)
