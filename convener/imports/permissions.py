"""Who may see and use an import. An import is its uploader's: they see it, and while
they may add contacts they may map, preview and start it; administrators may do all of
it. Its rows are then checked one by one as contact additions and changes by the
uploader (`decide`), through `team.access` like any other change of a contact.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from convener.imports.models import ContactImport
from convener.team import access


def visible_imports(user: Any) -> QuerySet[ContactImport]:
    imports = ContactImport.objects.select_related("created_by")
    if access.is_admin(user):
        return imports
    if not getattr(user, "is_authenticated", False):
        return imports.none()
    return imports.filter(created_by=user.pk)


def find_import(user: Any, pk: int, *, use: bool = False) -> ContactImport:
    """The import `pk` if the person may see it (404 otherwise) and, with `use`, map and
    start it (403 otherwise, naming the permission)."""
    job = visible_imports(user).filter(pk=pk).first()
    if job is None:
        raise access.NotVisible("not found")
    if use and not access.is_admin(user):
        access.require_may_add_contacts(user)
    return job
