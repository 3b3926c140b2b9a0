"""/api/v1/contacts"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.rows import Rows
from convener.api.schemas import ContactIn, ContactOut, ContactPatch, RowId
from convener.crm.fields import clean_field_values
from convener.crm.models import Contact
from convener.team import access
from convener.team.models import User
from convener.timezones import zone_refusal

router = Router(tags=["contacts"])


def contact_out(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company": contact.company,
        "timezone": contact.timezone,
        "owner": contact.owner.username if contact.owner else None,
        "fields": contact.fields,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _apply(contact: Contact, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "owner" in data:
        username = data.pop("owner")
        owner = User.objects.filter(username=username).first() if username else None
        if username and owner is None:
            errors["owner"] = [f"there is no team member named {username!r}"]
        contact.owner = owner
    if "fields" in data:
        try:
            contact.fields = {**(contact.fields or {}), **clean_field_values(data.pop("fields"))}
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for name, value in data.items():
        setattr(contact, name, value.strip() if isinstance(value, str) else value)
    # A zone sent now must be a city zone (the words of the web form and the CSV import);
    # one stored earlier as an alias stays readable until it is sent again.
    if "timezone" in data and contact.timezone and (refusal := zone_refusal(contact.timezone)):
        errors["timezone"] = [refusal]
    try:
        contact.full_clean(exclude=["timezone"] if "timezone" in errors else None)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@router.post("/contacts", response={201: ContactOut})
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[dict[str, Any]]:
    """Without `owner` the contact is yours; `"owner": null` makes it nobody's."""
    user = person(request)
    access.require_may_add_contacts(user)
    data = payload.dict()
    if "owner" not in payload.model_fields_set:
        data["owner"] = user.username
    contact = Contact()
    _apply(contact, data)
    access.require_edit_after(user, contact)
    with transaction.atomic():
        contact.save()
    return Status(201, contact_out(contact))


@router.get("/contacts", response=list[ContactOut])
@paginate
def list_contacts(request: HttpRequest, q: Query[str | None] = None) -> Rows[Contact]:
    """The contacts you may see."""
    contacts = access.visible_contacts(person(request)).order_by("id")
    if q:
        contacts = contacts.filter(email__icontains=q) | contacts.filter(last_name__icontains=q)
    return Rows(contacts, contact_out)


@router.get("/contacts/{contact_id}", response=ContactOut)
def get_contact(request: HttpRequest, contact_id: RowId) -> dict[str, Any]:
    return contact_out(
        access.find(person(request), Contact.objects.select_related("owner"), contact_id)
    )


@router.patch("/contacts/{contact_id}", response=ContactOut)
def update_contact(
    request: HttpRequest, contact_id: RowId, payload: ContactPatch
) -> dict[str, Any]:
    user = person(request)
    contact = access.find(user, Contact.objects.all(), contact_id, edit=True)
    _apply(contact, payload.dict(exclude_unset=True))
    access.require_edit_after(user, contact)
    contact.save()
    return contact_out(contact)
