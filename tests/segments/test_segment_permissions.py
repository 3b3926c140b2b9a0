"""Who may change a segment: its owner and administrators; a segment whose owner was
removed is nobody's, and only administrators change it. Everyone signed in sees it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from convener.segments import permissions
from convener.team.access import NotAllowed, NotVisible
from tests.access.support import colleague
from tests.segments.support import acme_segment

pytestmark = pytest.mark.django_db


def test_the_owner_and_administrators_change_it(member: Any, admin_user: Any) -> None:
    segment = acme_segment(member)
    mike = colleague("mike", "team.edit_others_contacts")
    assert permissions.may_change(member, segment)
    assert permissions.may_change(admin_user, segment)
    # Editing other members' contacts is about contacts, not about their segments.
    assert not permissions.may_change(mike, segment)
    with pytest.raises(NotAllowed, match="Only its owner and administrators"):
        permissions.find_segment(mike, segment.pk, edit=True)
    assert permissions.find_segment(mike, segment.pk) == segment


def test_a_segment_whose_owner_left_is_for_administrators(member: Any, admin_user: Any) -> None:
    segment = acme_segment(None)
    assert not permissions.may_change(member, segment)
    assert permissions.refusal(member, segment) == (
        "This segment is nobody's: only administrators change it."
    )
    assert permissions.may_change(admin_user, segment)


def test_nobody_signed_out_sees_a_segment(member: Any) -> None:
    segment = acme_segment(member)
    with pytest.raises(NotVisible):
        permissions.find_segment(AnonymousUser(), segment.pk)
    with pytest.raises(NotVisible):
        permissions.find_segment(member, "not-a-number")
    assert not permissions.may_add_segments(AnonymousUser())
