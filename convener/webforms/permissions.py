"""Who may see and change web forms, in the manner of convener.team.access.

Forms are configured by the people who may manage meeting actions: every signed-in
member. Every member sees the list of forms and may make their own. A form is changed,
and its submissions read (they hold what visitors typed about themselves), by its owner
and by administrators; a form whose owner was removed is nobody's, and only
administrators change it. docs/permissions.md says the same for the people who grant it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from convener.team import access
from convener.team.access import NotAllowed, NotVisible
from convener.webforms.models import WebForm


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_forms(user: Any) -> QuerySet[WebForm]:
    if not _signed_in(user):
        return WebForm.objects.none()
    return WebForm.objects.select_related("owner", "action", "segment")


def refusal(user: Any, form: WebForm) -> str:
    """Why the person may not change `form` or read its submissions; "" when they may."""
    if access.is_admin(user):
        return ""
    if form.owner_id is not None and form.owner_id == getattr(user, "pk", None):
        return ""
    if form.owner_id is None:
        return "This form is nobody's: only administrators change it."
    return "Only its owner and administrators change a form or read its submissions."


def may_change(user: Any, form: WebForm) -> bool:
    return _signed_in(user) and not refusal(user, form)


def find_form(user: Any, pk: Any, *, edit: bool = False) -> WebForm:
    """The form `pk` if the person may see it (and change it, with `edit`); else
    NotVisible (404) or NotAllowed (403)."""
    try:
        form = visible_forms(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        form = None
    if form is None:
        raise NotVisible("not found")
    if edit and (reason := refusal(user, form)):
        raise NotAllowed(reason)
    return form
