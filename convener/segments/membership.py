"""A segment's members, as a person may see them: always a query, never a stored list
for a dynamic segment, and never a contact the person may not see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from convener.crm.models import Contact
from convener.segments import rules
from convener.segments.models import Segment, SegmentMember
from convener.team import access

# Members are listed in a stable order, so that pages do not overlap, and in the
# contacts list's name order (letter case ignored), which its index crm_contact_by_name serves.
MEMBER_ORDER = (Lower("last_name"), Lower("first_name"), Lower("email"), "pk")


def rules_q(document: Any, zone: str, viewer: Any, now: datetime | None = None) -> Q:
    """The Q of a rules document, checked against today's fields (rules.RulesError names
    what no longer holds: a custom field removed since, a kind changed)."""
    return rules.to_q(rules.parse(document), now=now or timezone.now(), zone=zone, viewer=viewer)


def members(segment: Segment, viewer: Any, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The contacts of `segment` that `viewer` may see, at `now`."""
    contacts = access.visible(viewer, Contact.objects.all())
    if segment.is_dynamic:
        contacts = contacts.filter(rules_q(segment.rules, segment.timezone, viewer, now))
    else:
        contacts = contacts.filter(
            pk__in=SegmentMember.objects.filter(segment=segment).values("contact_id")
        )
    return contacts


def listed(segment: Segment, viewer: Any, *, now: datetime | None = None) -> QuerySet[Contact]:
    return members(segment, viewer, now=now).select_related("owner").order_by(*MEMBER_ORDER)


def matching(
    document: Any, zone: str, viewer: Any, now: datetime | None = None
) -> QuerySet[Contact]:
    """The contacts rules not yet saved would hold: the rule builder's live count."""
    return access.visible(viewer, Contact.objects.all()).filter(
        rules_q(document, zone, viewer, now)
    )


def add(segment: Segment, contacts: Iterable[Contact], by: Any) -> int:
    """Add contacts to a static segment; those already in it stay as they are. Returns
    how many were added."""
    wanted = {c.pk for c in contacts}
    with transaction.atomic():
        present = set(
            SegmentMember.objects.filter(segment=segment, contact_id__in=wanted).values_list(
                "contact_id", flat=True
            )
        )
        new = [
            SegmentMember(segment=segment, contact_id=pk, added_by=by)
            for pk in sorted(wanted - present)
        ]
        # A concurrent add of the same contact is not an error: it is in, either way.
        SegmentMember.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def remove(segment: Segment, contacts: Iterable[Contact]) -> int:
    deleted, _ = SegmentMember.objects.filter(
        segment=segment, contact_id__in=[c.pk for c in contacts]
    ).delete()
    return int(deleted)


@dataclass(frozen=True)
class Added:
    added: int
    already: int  # selected contacts that were members before


def add_selected(segment: Segment, contacts: QuerySet[Contact], by: Any) -> Added:
    """Add every contact of `contacts` to a static segment in one INSERT … SELECT: a
    selection of "all 100,000 matching" never travels through Python as ids, and costs
    the same few queries as a selection of three."""
    chosen = contacts.order_by().values("pk")
    with transaction.atomic():
        already = SegmentMember.objects.filter(segment=segment, contact__in=chosen).count()
        newcomers = chosen.exclude(
            pk__in=SegmentMember.objects.filter(segment=segment).values("contact_id")
        )
        # Named, so the outer SELECT finds the column whatever the inner query calls it.
        select_sql, params = newcomers.values(chosen_id=F("pk")).query.sql_with_params()
        table = SegmentMember._meta.db_table
        quote = connection.ops.quote_name
        columns = ", ".join(
            quote(c) for c in ("segment_id", "contact_id", "added_by_id", "added_at")
        )
        # "WHERE 1 = 1" before ON CONFLICT: SQLite would otherwise read ON as a join's.
        # A concurrent add of the same contact is not an error: it is in, either way.
        # Only names from the model and the ORM's own SQL are formatted in; every value
        # is a parameter.
        sql = (
            f"INSERT INTO {quote(table)} ({columns}) "  # noqa: S608
            f"SELECT %s, chosen.chosen_id, %s, %s FROM ({select_sql}) chosen WHERE 1 = 1 "
            "ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(sql, [segment.pk, getattr(by, "pk", None), now, *params])
            added = max(cursor.rowcount, 0)
    return Added(added=added, already=already)


def remove_selected(segment: Segment, contacts: QuerySet[Contact]) -> int:
    """Take every contact of `contacts` out of a static segment, in one DELETE."""
    removed, _ = SegmentMember.objects.filter(
        segment=segment, contact__in=contacts.order_by().values("pk")
    ).delete()
    return int(removed)
