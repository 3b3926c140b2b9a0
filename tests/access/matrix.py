"""The access matrix: every API operation and every page, what it needs, and what it
does when it is allowed.

A row's rule gives, for a person, one of the verdicts below; the test turns the verdict
into the status the person must get, and checks the row's effect (a change made, an
object listed) happened exactly when the row says it should. A new endpoint or page
without a row here fails tests/access/test_matrix.py.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.imports.models import ContactImport
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.access.people import Person
from tests.access.world import CONNECTION_EMAIL, World

ALLOWED, HIDDEN, FORBIDDEN, UNKNOWN, ANONYMOUS = (
    "allowed",
    "hidden",
    "forbidden",
    "unknown",
    "anonymous",
)
# What a refused person gets. UNKNOWN: an id in a request body that names something the
# person may not see is refused as if it did not exist.
REFUSED = {HIDDEN: 404, FORBIDDEN: 403, UNKNOWN: 422}

Rule = Callable[[Person], str]
Body = Callable[[World, User | None], dict[str, Any]]
Effect = Callable[[World, HttpResponse], bool]


def public(person: Person) -> str:
    return ALLOWED


def signed_in(person: Person) -> str:
    return ALLOWED if person.signed_in else ANONYMOUS


def administrator(person: Person) -> str:
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.admin else FORBIDDEN


def view(kind: str) -> Rule:
    def rule(person: Person) -> str:
        if not person.signed_in:
            return ANONYMOUS
        return ALLOWED if person.sees(kind) else HIDDEN

    return rule


def edit(kind: str) -> Rule:
    def rule(person: Person) -> str:
        if not person.signed_in:
            return ANONYMOUS
        if not person.sees(kind):
            return HIDDEN
        return ALLOWED if person.changes(kind) else FORBIDDEN

    return rule


def add_contacts(person: Person) -> str:
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.adds_contacts() else FORBIDDEN


def add_own_contact(person: Person) -> str:
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.adds_own_contacts() else FORBIDDEN


def schedule_for_contact(person: Person) -> str:
    """A contact id in the body: unknown if hidden, forbidden if it may not be changed."""
    if not person.signed_in:
        return ANONYMOUS
    if not person.sees("contacts"):
        return UNKNOWN
    return ALLOWED if person.changes("contacts") else FORBIDDEN


def launch_for_contact(person: Person) -> str:
    """Bulk: a contact the person may see but not change is skipped, not refused."""
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.sees("contacts") else UNKNOWN


def own_import(person: Person) -> str:
    """A contact import is seen by its uploader (the owner) and the administrators."""
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.role in {"administrator", "owner"} else HIDDEN


def use_own_import(person: Person) -> str:
    """Mapping and starting an import also needs the permission to add contacts."""
    verdict = own_import(person)
    if verdict != ALLOWED or person.admin:
        return verdict
    return ALLOWED if person.adds_contacts() else FORBIDDEN


def lists(kind: str) -> Callable[[Person], bool]:
    return lambda person: person.sees(kind)


def changes(kind: str) -> Callable[[Person], bool]:
    return lambda person: person.changes(kind)


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the OpenAPI path, or the page's URL name
    rule: Rule
    done: int  # the status when allowed
    target: str = ""  # the object the path's id names: contact, meeting, delivery, ...
    body: Body | None = None
    effect: Effect | None = None
    # Whether the effect must show for a person; without it: exactly when allowed.
    expect_effect: Callable[[Person], bool] | None = None
    query: str = ""
    slug: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.route}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.route)

    def effect_expected(self, person: Person) -> bool:
        if self.expect_effect is not None:
            return self.expect_effect(person)
        return self.rule(person) == ALLOWED


# -- effects -----------------------------------------------------------------------------


def shows(text: Callable[[World], str]) -> Effect:
    return lambda world, response: text(world) in response.content.decode()


def meeting_has(**wanted: Any) -> Effect:
    def effect(world: World, response: HttpResponse) -> bool:
        meeting = Meeting.objects.get(pk=world.meeting.pk)
        return all(getattr(meeting, name) == value for name, value in wanted.items())

    return effect


def contact_has(**wanted: Any) -> Effect:
    def effect(world: World, response: HttpResponse) -> bool:
        contact = Contact.objects.get(pk=world.contact.pk)
        return all(getattr(contact, name) == value for name, value in wanted.items())

    return effect


def contact_exists(email: str) -> Effect:
    return lambda world, response: Contact.objects.filter(email=email).exists()


def meeting_titled(title: str) -> Effect:
    return lambda world, response: Meeting.objects.filter(
        contact=world.contact, title=title
    ).exists()


def bulk_meeting_made(world: World, response: HttpResponse) -> bool:
    return Meeting.objects.filter(contact=world.contact, trigger="bulk").exists()


def previewed_one(world: World, response: HttpResponse) -> bool:
    return response.status_code == 200 and response.json()["planned"] == 1


def import_has(**wanted: Any) -> Effect:
    def effect(world: World, response: HttpResponse) -> bool:
        found = ContactImport.objects.filter(pk=world.contact_import.pk).first()
        return found is not None and all(getattr(found, k) == v for k, v in wanted.items())

    return effect


def import_deleted(world: World, response: HttpResponse) -> bool:
    return not ContactImport.objects.filter(pk=world.contact_import.pk).exists()


def import_uploaded(world: World, response: HttpResponse) -> bool:
    return ContactImport.objects.filter(file_name="upload.csv").exists()


def connection_removed(world: World, response: HttpResponse) -> bool:
    return not Connection.objects.filter(pk=world.connection.pk).exists()


def colleague_holds_only_view_own_contacts(world: World, response: HttpResponse) -> bool:
    colleague = User.objects.get(pk=world.colleague.pk)
    return colleague.get_all_permissions() == {"team.view_own_contacts"}


MEETING_TITLE = shows(lambda w: w.meeting.title)
CONTACT_EMAIL = shows(lambda w: w.contact.email)


# -- bodies ------------------------------------------------------------------------------


def reschedule_form(world: World, user: User | None) -> dict[str, Any]:
    local = world.meeting.local_start
    return {
        "title": "Moved",
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "timezone": world.meeting.timezone,
        "duration_minutes": 30,
        "description": "",
    }


def contact_form(world: World, user: User | None) -> dict[str, Any]:
    return {
        "email": world.contact.email,
        "first_name": "Carla",
        "company": "Changed",
        "timezone": "",
        "owner": world.owner.pk,
    }


def new_contact_form(world: World, user: User | None) -> dict[str, Any]:
    return {"email": "new@client.example", "timezone": "", "owner": user.pk if user else ""}


def popup_form(world: World, user: User | None) -> dict[str, Any]:
    return {
        "title": "Popup call",
        "when": "now",
        "timezone": "Europe/Berlin",
        "duration_minutes": 30,
        "provider": "jitsi",
    }


def launch_body(world: World, user: User | None) -> dict[str, Any]:
    return {"contact_ids": [world.contact.pk]}


def csv_upload(world: World, user: User | None) -> dict[str, Any]:
    file = io.BytesIO(b"email,first_name\r\nnew@client.example,Nia\r\n")
    file.name = "upload.csv"
    return {"file": file}


IMPORT_MAPPING = {"column-0": "email", "column-1": "company"}


def fixed(data: dict[str, Any]) -> Body:
    return lambda world, user: data


PLAN_SPEC = {
    "now": "2026-11-21T09:00:00Z",
    "duration_minutes": 30,
    "timing": {"mode": "immediate", "timezone": "Europe/Berlin"},
    "recipients": [{"id": "c1", "host": "u1"}],
}


# -- the API -----------------------------------------------------------------------------

API = [
    Row(
        "GET",
        "/api/v1/contacts",
        signed_in,
        200,
        effect=CONTACT_EMAIL,
        expect_effect=lists("contacts"),
    ),
    Row(
        "POST",
        "/api/v1/contacts",
        add_own_contact,
        201,
        body=fixed({"email": "new@client.example"}),
        effect=contact_exists("new@client.example"),
    ),
    Row("GET", "/api/v1/contacts/{contact_id}", view("contacts"), 200),
    Row(
        "PATCH",
        "/api/v1/contacts/{contact_id}",
        edit("contacts"),
        200,
        body=fixed({"company": "Changed"}),
        effect=contact_has(company="Changed"),
    ),
    Row(
        "GET",
        "/api/v1/meetings",
        signed_in,
        200,
        effect=MEETING_TITLE,
        expect_effect=lists("meetings"),
    ),
    Row(
        "POST",
        "/api/v1/meetings",
        schedule_for_contact,
        201,
        body=lambda w, u: {"contact_ids": [w.contact.pk], "title": "API call", "provider": "jitsi"},
        effect=meeting_titled("API call"),
    ),
    Row("GET", "/api/v1/meetings/{meeting_id}", view("meetings"), 200),
    Row(
        "PATCH",
        "/api/v1/meetings/{meeting_id}",
        edit("meetings"),
        200,
        body=fixed({"title": "Renamed"}),
        effect=meeting_has(title="Renamed"),
    ),
    Row(
        "POST",
        "/api/v1/meetings/{meeting_id}/cancel",
        edit("meetings"),
        200,
        effect=meeting_has(cancel_requested=True),
    ),
    Row(
        "POST",
        "/api/v1/meetings/{meeting_id}/retry",
        edit("meetings"),
        200,
        effect=meeting_has(attempts=0),
    ),
    Row("POST", "/api/v1/plans/preview", signed_in, 200, body=fixed(PLAN_SPEC)),
    Row("GET", "/api/v1/actions", signed_in, 200),
    Row("POST", "/api/v1/actions", signed_in, 201, body=fixed({"name": "Autumn wave"})),
    Row("GET", "/api/v1/actions/{action_id}", signed_in, 200),
    Row(
        "POST",
        "/api/v1/actions/{action_id}/preview",
        launch_for_contact,
        200,
        body=launch_body,
        effect=previewed_one,
        expect_effect=changes("contacts"),
    ),
    Row(
        "POST",
        "/api/v1/actions/{action_id}/schedule",
        launch_for_contact,
        201,
        body=launch_body,
        effect=bulk_meeting_made,
        expect_effect=changes("contacts"),
    ),
]


# -- the pages ---------------------------------------------------------------------------

PAGES = [
    Row("GET", "home", public, 302),
    Row("GET", "login", public, 200),
    Row("POST", "logout", public, 302),
    Row("GET", "contacts", signed_in, 200, effect=CONTACT_EMAIL, expect_effect=lists("contacts")),
    Row(
        "GET",
        "contacts",
        signed_in,
        200,
        query="?q=carla",
        effect=CONTACT_EMAIL,
        expect_effect=lists("contacts"),
    ),
    Row("GET", "contact_new", add_contacts, 200),
    Row(
        "POST",
        "contact_new",
        add_own_contact,
        302,
        body=new_contact_form,
        effect=contact_exists("new@client.example"),
    ),
    Row("GET", "contact_import", add_contacts, 200),
    Row("POST", "contact_import", add_contacts, 302, body=csv_upload, effect=import_uploaded),
    Row("GET", "contact_import_detail", own_import, 200, target="contact_import"),
    Row(
        "POST",
        "contact_import_preview",
        use_own_import,
        200,
        target="contact_import",
        body=fixed(IMPORT_MAPPING),
        effect=import_has(mapping=["email", "company"]),
    ),
    Row(
        "POST",
        "contact_import_start",
        use_own_import,
        302,
        target="contact_import",
        body=fixed(IMPORT_MAPPING),
        effect=import_has(status="queued"),
    ),
    Row("GET", "contact_import_report", own_import, 200, target="contact_import"),
    Row(
        "POST",
        "contact_import_delete",
        own_import,
        302,
        target="contact_import",
        effect=import_deleted,
    ),
    Row("GET", "contact", view("contacts"), 200, target="contact"),
    Row("GET", "contact_edit", edit("contacts"), 200, target="contact"),
    Row(
        "POST",
        "contact_edit",
        edit("contacts"),
        302,
        target="contact",
        body=contact_form,
        effect=contact_has(company="Changed"),
    ),
    Row("GET", "contact_schedule", edit("contacts"), 200, target="contact"),
    Row(
        "POST",
        "contact_schedule",
        edit("contacts"),
        200,
        target="contact",
        body=popup_form,
        effect=meeting_titled("Popup call"),
    ),
    Row("GET", "meetings", signed_in, 200, effect=MEETING_TITLE, expect_effect=lists("meetings")),
    Row("GET", "meeting", view("meetings"), 200, target="meeting"),
    Row("GET", "meeting_reschedule", edit("meetings"), 200, target="meeting"),
    Row(
        "POST",
        "meeting_reschedule",
        edit("meetings"),
        302,
        target="meeting",
        body=reschedule_form,
        effect=meeting_has(title="Moved"),
    ),
    Row("GET", "meeting_manual_link", edit("meetings"), 200, target="meeting"),
    Row(
        "POST",
        "meeting_manual_link",
        edit("meetings"),
        302,
        target="meeting",
        body=fixed({"join_url": "https://video.example.com/by-hand"}),
        effect=meeting_has(join_url="https://video.example.com/by-hand"),
    ),
    Row("GET", "meeting_cancel", edit("meetings"), 200, target="meeting"),
    Row(
        "POST",
        "meeting_cancel",
        edit("meetings"),
        302,
        target="meeting",
        effect=meeting_has(cancel_requested=True),
    ),
    Row(
        "POST",
        "meeting_retry",
        edit("meetings"),
        302,
        target="meeting",
        effect=meeting_has(attempts=0),
    ),
    Row(
        "GET",
        "outbox",
        signed_in,
        200,
        effect=shows(lambda w: w.delivery.subject),
        expect_effect=lists("meetings"),
    ),
    Row("GET", "outbox_message", view("meetings"), 200, target="delivery"),
    Row("GET", "outbox_html", view("meetings"), 200, target="delivery"),
    Row("GET", "outbox_ics", view("meetings"), 200, target="delivery"),
    Row(
        "GET",
        "connections",
        signed_in,
        200,
        effect=shows(lambda w: CONNECTION_EMAIL),
        expect_effect=lists("connection"),
    ),
    Row("GET", "connection_callback", signed_in, 400),
    Row("POST", "connection_connect", signed_in, 302, slug="zoom", body=fixed({"level": "user"})),
    Row("GET", "connection_organization", administrator, 200, slug="zoom"),
    Row(
        "POST",
        "connection_remove",
        edit("connection"),
        302,
        target="connection",
        effect=connection_removed,
    ),
    Row("GET", "team", administrator, 200),
    Row(
        "POST",
        "team_member",
        administrator,
        302,
        target="colleague",
        body=fixed({"perm": ["team.view_own_contacts"]}),
        effect=colleague_holds_only_view_own_contacts,
    ),
    Row("GET", "api-1:openapi-json", public, 200),
    Row("GET", "api-1:openapi-view", public, 200),
    Row("GET", "api-1:api-root", public, 404),
]

# Not in the matrix: the Django admin (staff only, with its own model permissions).
EXCLUDED_NAMESPACES = {"admin"}
