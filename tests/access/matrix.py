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
from typing import TYPE_CHECKING, Any

from convener.booking.models import Booking, BookingPage
from convener.calendar.models import Event
from convener.campaigns.models import Campaign, Journey
from convener.campaigns.models import Event as CampaignEvent
from convener.campaigns.models import Source as CampaignSource
from convener.connections.models import Connection
from convener.crm.models import Contact, CustomField
from convener.hooks.models import Webhook
from convener.imports.models import ContactImport
from convener.meetings.models import Meeting, MeetingAction
from convener.segments.models import Segment, SegmentMember
from convener.team.models import ApiToken, User
from convener.webforms.models import FormField, Submission, WebForm
from convener.workitems.models import Job, MeetingAutomation
from tests.access.people import Person
from tests.access.world import (
    BOOKING_REFERENCE,
    BOOKING_SLUG,
    CONNECTION_EMAIL,
    HOOK_SECRET,
    HOOK_TOKEN,
    World,
)

if TYPE_CHECKING:
    # What Django's test client answers: a response with .json(), named in django-stubs only.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

ALLOWED, HIDDEN, FORBIDDEN, UNKNOWN, ANONYMOUS, FORM_ERROR = (
    "allowed",
    "hidden",
    "forbidden",
    "unknown",
    "anonymous",
    "form error",
)
# What a refused person gets. UNKNOWN: an id in a request body that names something the
# person may not see is refused as if it did not exist. FORM_ERROR: a page's form shown
# again with that refusal next to the field.
REFUSED = {HIDDEN: 404, FORBIDDEN: 403, UNKNOWN: 422, FORM_ERROR: 200}

Rule = Callable[[Person], str]
Body = Callable[[World, User | None], dict[str, Any]]
Effect = Callable[[World, "TestResponse"], bool]


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


def delete_contact(person: Person) -> str:
    """Deleting the contact cancels its upcoming meeting: both must be the person's to
    change."""
    if not person.signed_in:
        return ANONYMOUS
    if not person.sees("contacts"):
        return HIDDEN
    return ALLOWED if person.changes("contacts") and person.changes("meetings") else FORBIDDEN


def deletes_contact(person: Person) -> bool:
    return delete_contact(person) == ALLOWED


def lists_with_its_meeting(person: Person) -> bool:
    """A filter on meetings counts only the meetings the person may see."""
    return person.sees("contacts") and person.sees("meetings")


def segment_owner(person: Person) -> str:
    """A segment is changed by its owner and by administrators; every member sees it."""
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.role in {"administrator", "owner"} else FORBIDDEN


def segment_members(person: Person) -> str:
    """Adding or removing members: the segment's owner, naming contacts they may see."""
    verdict = segment_owner(person)
    if verdict != ALLOWED:
        return verdict
    return ALLOWED if person.sees("contacts") else UNKNOWN


def launch_page_for_contact(person: Person) -> str:
    """The launch page: a contact id the person may not see is an error on the form."""
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.sees("contacts") else FORM_ERROR


def follows_run(person: Person) -> bool:
    """The owner launched the world's run; others follow it if they see others' meetings."""
    return (
        person.admin
        or person.role == "owner"
        or person.holds("team.view_others_meetings")
        or person.holds("team.edit_others_meetings")
    )


def run_rule(person: Person) -> str:
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if follows_run(person) else HIDDEN


def changes_runs_meetings(person: Person) -> bool:
    return follows_run(person) and person.changes("meetings")


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


def streams(text: bytes) -> Effect:
    """A download sent as it is written (a StreamingHttpResponse) that holds `text`."""

    def effect(world: World, response: TestResponse) -> bool:
        if not getattr(response, "streaming", False):
            return False
        return text in b"".join(getattr(response, "streaming_content", []))

    return effect


def meeting_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        meeting = Meeting.objects.get(pk=world.meeting.pk)
        return all(getattr(meeting, name) == value for name, value in wanted.items())

    return effect


def contact_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        contact = Contact.objects.get(pk=world.contact.pk)
        return all(getattr(contact, name) == value for name, value in wanted.items())

    return effect


def contact_exists(email: str) -> Effect:
    return lambda world, response: Contact.objects.filter(email=email).exists()


def meeting_titled(title: str) -> Effect:
    return lambda world, response: Meeting.objects.filter(
        contact=world.contact, title=title
    ).exists()


def bulk_meeting_made(world: World, response: TestResponse) -> bool:
    made = Meeting.objects.filter(contact=world.contact, trigger="bulk")
    return made.exclude(pk=world.meeting.pk).exists()  # the world's run holds that one


def bulk_meeting_titled(title: str) -> Effect:
    return lambda world, response: Meeting.objects.filter(
        contact=world.contact, trigger="bulk", title=title
    ).exists()


def contact_deleted(world: World, response: TestResponse) -> bool:
    """Gone, and its upcoming meeting kept but cancelled."""
    return (
        not Contact.objects.filter(pk=world.contact.pk).exists()
        and Meeting.objects.filter(pk=world.meeting.pk, cancel_requested=True).exists()
    )


def previewed_one(world: World, response: TestResponse) -> bool:
    return response.status_code == 200 and response.json()["planned"] == 1


def import_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        found = ContactImport.objects.filter(pk=world.contact_import.pk).first()
        return found is not None and all(getattr(found, k) == v for k, v in wanted.items())

    return effect


def import_deleted(world: World, response: TestResponse) -> bool:
    return not ContactImport.objects.filter(pk=world.contact_import.pk).exists()


def import_uploaded(world: World, response: TestResponse) -> bool:
    return ContactImport.objects.filter(file_name="upload.csv").exists()


def default_host_cleared(world: World, response: TestResponse) -> bool:
    assert world.zoom_organization is not None
    return not Connection.objects.get(pk=world.zoom_organization.pk).default_host_email


def connection_removed(world: World, response: TestResponse) -> bool:
    return not Connection.objects.filter(pk=world.connection.pk).exists()


def colleague_holds_only_view_own_contacts(world: World, response: TestResponse) -> bool:
    colleague = User.objects.get(pk=world.colleague.pk)
    return colleague.get_all_permissions() == {"team.view_own_contacts"}


def segment_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        segment = Segment.objects.filter(pk=world.segment.pk).first()
        return segment is not None and all(
            getattr(segment, name) == value for name, value in wanted.items()
        )

    return effect


def segment_exists(name: str) -> Effect:
    return lambda world, response: Segment.objects.filter(name=name).exists()


def segment_removed(world: World, response: TestResponse) -> bool:
    return not Segment.objects.filter(pk=world.segment.pk).exists()


NEWCOMER = "dan@client.example"


def newcomer_is_a_member(world: World, response: TestResponse) -> bool:
    return SegmentMember.objects.filter(segment=world.segment, contact__email=NEWCOMER).exists()


def contact_left_the_segment(world: World, response: TestResponse) -> bool:
    return not SegmentMember.objects.filter(segment=world.segment, contact=world.contact).exists()


def may_change_segment_members(person: Person) -> bool:
    return segment_members(person) == ALLOWED


def picked_into_a_new_segment(world: World, response: TestResponse) -> bool:
    return SegmentMember.objects.filter(
        segment__name="Matrix picks", contact=world.contact
    ).exists()


def custom_field_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        return CustomField.objects.filter(**wanted).exists()

    return effect


def custom_field_removed(world: World, response: TestResponse) -> bool:
    return not CustomField.objects.filter(key="region").exists()


def segment_meeting_made(world: World, response: TestResponse) -> bool:
    return Meeting.objects.filter(
        contact=world.contact, trigger="segment", trigger_source=str(world.segment.pk)
    ).exists()


def token_owner(person: Person) -> str:
    """A token is found only on its own member's profile, administrators included."""
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.role == "owner" else HIDDEN


NEW_PASSWORD = "a long Matrix passphrase 42"


def someone_has_the_new_password(world: World, response: TestResponse) -> bool:
    return any(user.check_password(NEW_PASSWORD) for user in User.objects.all())


def owner_token_revoked(world: World, response: TestResponse) -> bool:
    return not ApiToken.objects.filter(user=world.owner, name="matrix").exists()


MEETING_TITLE = shows(lambda w: w.meeting.title)
RUN_LABEL = shows(lambda w: w.run.label)
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


def bulk_options_form(world: World, user: User | None) -> dict[str, Any]:
    return {
        "ids": [world.contact.pk],
        "how": "options",
        "title": "Bulk call",
        "when": "now",
        "timezone": "Europe/Berlin",
        "duration_minutes": 30,
        "provider": "jitsi",
        "occurrence": "matrix-options",
    }


def bulk_action_form(world: World, user: User | None) -> dict[str, Any]:
    return {"all": "1", "q": "carla", "how": "action", "action": world.action.pk}


def launch_body(world: World, user: User | None) -> dict[str, Any]:
    return {"contact_ids": [world.contact.pk]}


def newcomer_body(world: World, user: User | None) -> dict[str, Any]:
    """Another of the owner's contacts, not yet in the segment (rolled back with the row)."""
    newcomer = Contact.objects.create(email=NEWCOMER, company="Client", owner=world.owner)
    return {"contact_ids": [newcomer.pk]}


def newcomer_form(world: World, user: User | None) -> dict[str, Any]:
    return {"contact": newcomer_body(world, user)["contact_ids"][0]}


def segment_form(name: str) -> Body:
    return fixed({"name": name, "kind": "static", "timezone": "UTC"})


def action_form(name: str) -> Body:
    def body(world: World, user: User | None) -> dict[str, Any]:
        return {
            "name": name,
            "provider": "jitsi",
            "credentials": "organization",
            "title_template": "Meeting with {{ contact.name }}",
            "duration_minutes": 30,
            "timing_mode": "immediate",
            "delay_unit": "hours",
            "gap_minutes": 0,
            "per_host": "owner",
            "timezone_chain": ["contact", "default"],
        }

    return body


def action_named(name: str) -> Effect:
    return lambda world, response: MeetingAction.objects.filter(name=name).exists()


def launch_form(step: str) -> Body:
    return lambda world, user: {"contact_ids": [world.contact.pk], "step": step}


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
    Row("GET", "/api/v1/segments", signed_in, 200, effect=shows(lambda w: w.segment.name)),
    Row(
        "POST",
        "/api/v1/segments",
        signed_in,
        201,
        body=fixed({"name": "Autumn list", "kind": "static"}),
        effect=segment_exists("Autumn list"),
    ),
    Row("GET", "/api/v1/segments/{segment_id}", signed_in, 200),
    Row(
        "PATCH",
        "/api/v1/segments/{segment_id}",
        segment_owner,
        200,
        body=fixed({"name": "Renamed list"}),
        effect=segment_has(name="Renamed list"),
    ),
    Row(
        "DELETE",
        "/api/v1/segments/{segment_id}",
        segment_owner,
        204,
        effect=segment_removed,
    ),
    Row(
        "GET",
        "/api/v1/segments/{segment_id}/members",
        signed_in,
        200,
        effect=CONTACT_EMAIL,
        expect_effect=lists("contacts"),
    ),
    Row(
        "POST",
        "/api/v1/segments/{segment_id}/members",
        segment_members,
        200,
        body=newcomer_body,
        effect=newcomer_is_a_member,
    ),
    Row(
        "POST",
        "/api/v1/segments/{segment_id}/members/remove",
        segment_members,
        200,
        body=lambda w, u: {"contact_ids": [w.contact.pk]},
        effect=contact_left_the_segment,
    ),
    Row(
        "POST",
        "/api/v1/segments/{segment_id}/schedule",
        launch_for_contact,
        201,
        body=lambda w, u: {"action_id": w.action.pk, "trigger_ref": "matrix"},
        effect=segment_meeting_made,
        expect_effect=changes("contacts"),
    ),
    Row("GET", "/api/v1/runs", signed_in, 200, effect=RUN_LABEL, expect_effect=follows_run),
    Row("GET", "/api/v1/runs/{run_id}", run_rule, 200),
    Row("GET", "/api/v1/forms", signed_in, 200, effect=shows(lambda w: "Matrix demo form")),
    Row("GET", "/api/v1/forms/{form_id}/submissions", segment_owner, 200),
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
    Row(
        "GET",
        "contacts",
        signed_in,
        200,
        query="?upcoming=1&sort=-created",
        effect=CONTACT_EMAIL,
        expect_effect=lists_with_its_meeting,
    ),
    Row(
        "GET",
        "contacts",
        signed_in,
        200,
        query="?tz=none&sort=owner&per_page=25",
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
    Row("GET", "contact_delete", delete_contact, 200, target="contact"),
    Row("POST", "contact_delete", delete_contact, 302, target="contact", effect=contact_deleted),
    # The list's selection: "all matching" resolves to the contacts the person may change.
    Row(
        "GET",
        "contacts_delete",
        signed_in,
        200,
        query="?all=1&q=carla",
        effect=shows(lambda w: 'data-deletable="1"'),
        expect_effect=deletes_contact,
    ),
    Row(
        "POST",
        "contacts_delete",
        signed_in,
        302,
        body=fixed({"all": "1", "q": "carla"}),
        effect=contact_deleted,
        expect_effect=deletes_contact,
    ),
    Row(
        "POST",
        "contacts_delete",
        signed_in,
        302,
        body=lambda w, u: {"ids": [w.contact.pk]},
        effect=contact_deleted,
        expect_effect=deletes_contact,
    ),
    Row(
        "GET",
        "contacts_schedule",
        signed_in,
        200,
        query="?all=1&q=carla",
        effect=CONTACT_EMAIL,
        expect_effect=changes("contacts"),
    ),
    Row(
        "POST",
        "contacts_schedule",
        signed_in,
        200,
        body=bulk_options_form,
        effect=bulk_meeting_titled("Bulk call"),
        expect_effect=changes("contacts"),
    ),
    Row(
        "POST",
        "contacts_schedule",
        signed_in,
        200,
        body=bulk_action_form,
        effect=bulk_meeting_made,
        expect_effect=changes("contacts"),
    ),
    Row(
        "POST",
        "contacts_schedule_recipients",
        signed_in,
        200,
        body=lambda w, u: {"add": w.contact.pk},
        effect=CONTACT_EMAIL,
        expect_effect=lists("contacts"),
    ),
    Row(
        "GET",
        "contacts_schedule_search",
        signed_in,
        200,
        query="?find=carla",
        effect=CONTACT_EMAIL,
        expect_effect=lists("contacts"),
    ),
    Row("GET", "meetings", signed_in, 200, effect=MEETING_TITLE, expect_effect=lists("meetings")),
    Row(
        "GET",
        "meetings",
        signed_in,
        200,
        query="?view=all&state=failed&q=quarterly&sort=start",
        effect=MEETING_TITLE,
        expect_effect=lists("meetings"),
    ),
    Row(
        "GET",
        "meetings",
        signed_in,
        200,
        query="?trigger=bulk&provider=zoom&per_page=25",
        effect=MEETING_TITLE,
        expect_effect=lists("meetings"),
    ),
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
    Row("GET", "connection_settings", administrator, 200, target="zoom_organization"),
    Row(
        "POST",
        "connection_settings",
        administrator,
        302,
        target="zoom_organization",
        body=fixed({"default_host_email": ""}),
        effect=default_host_cleared,
    ),
    Row(
        "POST",
        "connection_remove",
        edit("connection"),
        302,
        target="connection",
        effect=connection_removed,
    ),
    Row("GET", "segments", signed_in, 200, effect=shows(lambda w: w.segment.name)),
    Row("GET", "segment_new", signed_in, 200),
    Row(
        "POST",
        "segment_new",
        signed_in,
        302,
        body=segment_form("Autumn list"),
        effect=segment_exists("Autumn list"),
    ),
    Row(
        "POST",
        "segment_count_preview",
        signed_in,
        200,
        body=fixed(
            {
                "kind": "dynamic",
                "timezone": "UTC",
                "g0c0-field": "company",
                "g0c0-operator": "is",
                "g0c0-value": "Client",
            }
        ),
        effect=shows(lambda w: ">1</strong> contact matches"),
        expect_effect=lists("contacts"),
    ),
    Row(
        "GET",
        "segment",
        signed_in,
        200,
        target="segment",
        effect=CONTACT_EMAIL,
        expect_effect=lists("contacts"),
    ),
    Row("GET", "segment_count", signed_in, 200, target="segment"),
    Row("GET", "segment_edit", segment_owner, 200, target="segment"),
    Row(
        "POST",
        "segment_edit",
        segment_owner,
        302,
        target="segment",
        body=segment_form("Renamed list"),
        effect=segment_has(name="Renamed list"),
    ),
    Row("POST", "segment_delete", segment_owner, 302, target="segment", effect=segment_removed),
    Row("GET", "segment_search", segment_owner, 200, target="segment", query="?q=client"),
    Row(
        "POST",
        "segment_members_add",
        segment_owner,
        302,
        target="segment",
        body=newcomer_form,
        effect=newcomer_is_a_member,
        expect_effect=may_change_segment_members,
    ),
    Row(
        "POST",
        "segment_members_remove",
        segment_owner,
        302,
        target="segment",
        body=lambda w, u: {"contact": w.contact.pk},
        effect=contact_left_the_segment,
        expect_effect=may_change_segment_members,
    ),
    # The contacts list's selection into a new static segment: contacts one may see.
    Row(
        "GET",
        "contacts_add_to_segment",
        signed_in,
        200,
        query="?all=1&q=carla",
        effect=shows(lambda w: 'data-selected="1"'),
        expect_effect=changes("contacts"),
    ),
    Row(
        "POST",
        "contacts_add_to_segment",
        signed_in,
        200,
        body=lambda w, u: {"ids": [w.contact.pk], "new_name": "Matrix picks"},
        effect=picked_into_a_new_segment,
        expect_effect=lists("contacts"),
    ),
    Row(
        "GET",
        "segment_contacts_remove",
        segment_owner,
        200,
        target="segment",
        query="?all=1&q=carla",
        effect=shows(lambda w: 'data-removable="1"'),
        expect_effect=lambda person: (
            segment_owner(person) == ALLOWED and person.changes("contacts")
        ),
    ),
    Row(
        "POST",
        "segment_contacts_remove",
        segment_owner,
        200,
        target="segment",
        body=lambda w, u: {"ids": [w.contact.pk]},
        effect=contact_left_the_segment,
        expect_effect=may_change_segment_members,
    ),
    Row("GET", "segment_schedule", signed_in, 200, target="segment"),
    Row(
        "POST",
        "segment_schedule",
        signed_in,
        200,
        target="segment",
        body=lambda w, u: {"action": w.action.pk, "occurrence": "matrix"},
        effect=segment_meeting_made,
        expect_effect=changes("contacts"),
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
    Row("GET", "custom_fields", administrator, 200, effect=shows(lambda w: "Region")),
    Row("GET", "custom_field_new", administrator, 200),
    Row(
        "POST",
        "custom_field_new",
        administrator,
        302,
        body=fixed({"label": "Plan", "kind": "choice", "choices": "Free\nPro"}),
        effect=custom_field_has(key="plan", choices=["Free", "Pro"]),
    ),
    Row("GET", "custom_field_edit", administrator, 200, target="custom_field"),
    Row(
        "POST",
        "custom_field_edit",
        administrator,
        302,
        target="custom_field",
        body=fixed({"label": "Sales region", "kind": "text"}),
        effect=custom_field_has(key="region", label="Sales region"),
    ),
    Row(
        "POST",
        "custom_field_move",
        administrator,
        302,
        target="custom_field",
        body=fixed({"direction": "up"}),
        effect=custom_field_has(key="region", position=1),
    ),
    Row("GET", "custom_field_delete", administrator, 200, target="custom_field"),
    Row(
        "POST",
        "custom_field_delete",
        administrator,
        302,
        target="custom_field",
        effect=custom_field_removed,
    ),
    Row("GET", "actions", signed_in, 200, effect=shows(lambda w: w.action.name)),
    Row("GET", "action_new", signed_in, 200),
    Row(
        "POST",
        "action_new",
        signed_in,
        302,
        body=action_form("Autumn wave"),
        effect=action_named("Autumn wave"),
    ),
    Row("GET", "action", signed_in, 200, target="action"),
    Row("GET", "action_edit", signed_in, 200, target="action"),
    Row(
        "POST",
        "action_edit",
        signed_in,
        302,
        target="action",
        body=action_form("Renamed wave"),
        effect=action_named("Renamed wave"),
    ),
    Row("GET", "action_duplicate", signed_in, 200, target="action"),
    Row("GET", "action_launch", signed_in, 200, target="action"),
    Row(
        "POST",
        "action_launch",
        launch_page_for_contact,
        200,
        target="action",
        body=launch_form("preview"),
        effect=shows(lambda w: "Launch 1 meeting<"),
        expect_effect=changes("contacts"),
    ),
    Row(
        "POST",
        "action_launch",
        launch_page_for_contact,
        302,
        target="action",
        query="?step=launch",
        body=launch_form("launch"),
        effect=bulk_meeting_made,
        expect_effect=changes("contacts"),
    ),
    Row("GET", "runs", signed_in, 200, effect=RUN_LABEL, expect_effect=follows_run),
    Row("GET", "run", run_rule, 200, target="run"),
    Row("GET", "run_retry", run_rule, 200, target="run"),
    Row(
        "POST",
        "run_retry",
        run_rule,
        302,
        target="run",
        effect=meeting_has(attempts=0),
        expect_effect=changes_runs_meetings,
    ),
    Row("GET", "run_cancel", run_rule, 200, target="run"),
    Row(
        "POST",
        "run_cancel",
        run_rule,
        302,
        target="run",
        effect=meeting_has(cancel_requested=True),
        expect_effect=changes_runs_meetings,
    ),
    Row("GET", "profile", signed_in, 200, effect=shows(lambda w: "Your profile")),
    Row(
        "POST",
        "profile",
        signed_in,
        302,
        body=fixed(
            {"first_name": "Pat", "last_name": "", "email": "p@example.com", "timezone": "UTC"}
        ),
        effect=lambda w, r: User.objects.filter(first_name="Pat", timezone_chosen=True).exists(),
    ),
    Row("GET", "password_change", signed_in, 200),
    Row(
        "POST",
        "password_change",
        signed_in,
        302,
        body=fixed(
            {"old_password": "x", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        ),
        effect=someone_has_the_new_password,
    ),
    Row(
        "POST",
        "profile_token_new",
        signed_in,
        200,
        body=fixed({"name": "Matrix sync"}),
        effect=lambda w, r: ApiToken.objects.filter(name="Matrix sync").exists(),
    ),
    Row("GET", "profile_token_revoke", token_owner, 200, target="owner_token"),
    Row(
        "POST",
        "profile_token_revoke",
        token_owner,
        302,
        target="owner_token",
        effect=owner_token_revoked,
    ),
    Row(
        "POST",
        "profile_zone_offer",
        signed_in,
        302,
        body=fixed({"choice": "use", "timezone": "Asia/Tokyo", "next": "/contacts/"}),
        effect=lambda w, r: User.objects.filter(timezone="Asia/Tokyo").exists(),
    ),
    Row("GET", "api-1:openapi-json", public, 200),
    Row("GET", "api-1:openapi-view", public, 200),
    Row("GET", "api-1:api-root", public, 404),
]

# -- web forms: the builder and submissions are their owner's (and administrators'); the
# public page, its submission and the thank-you page are anonymous.


def web_form_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        assert world.web_form is not None
        found = WebForm.objects.filter(pk=world.web_form.pk).first()
        return found is not None and all(getattr(found, k) == v for k, v in wanted.items())

    return effect


def web_form_settings(name: str) -> Body:
    return fixed(
        {
            "name": name,
            "submit_label": "Send",
            "thank_you_message": "Thanks",
            "published": "on",
            "detect_browser_timezone": "on",
        }
    )


def public_submission(world: World, user: User | None) -> dict[str, Any]:
    from convener.webforms import tokens

    assert world.web_form is not None
    return {"cv_token": tokens.issue(world.web_form.pk), "email": "visitor@client.example"}


PAGES += [
    Row("GET", "webforms", signed_in, 200, effect=shows(lambda w: "Matrix demo form")),
    Row("GET", "webform_new", signed_in, 200),
    Row(
        "POST",
        "webform_new",
        signed_in,
        302,
        body=web_form_settings("Spring webinar"),
        effect=lambda w, r: WebForm.objects.filter(name="Spring webinar").exists(),
    ),
    Row("GET", "webform_edit", segment_owner, 200, target="web_form"),
    Row(
        "POST",
        "webform_edit",
        segment_owner,
        302,
        target="web_form",
        body=web_form_settings("Renamed form"),
        effect=web_form_has(name="Renamed form"),
    ),
    Row(
        "POST",
        "webform_delete",
        segment_owner,
        302,
        target="web_form",
        effect=lambda w, r: not WebForm.objects.filter(slug="matrixform").exists(),
    ),
    Row("GET", "webform_field_new", segment_owner, 200, target="web_form"),
    Row(
        "POST",
        "webform_field_new",
        segment_owner,
        302,
        target="web_form",
        body=fixed({"label": "Company", "kind": "text", "target": "company"}),
        effect=lambda w, r: FormField.objects.filter(key="company").exists(),
    ),
    Row("GET", "webform_field_edit", segment_owner, 200, target="web_form_field"),
    Row(
        "POST",
        "webform_field_edit",
        segment_owner,
        302,
        target="web_form_field",
        body=fixed({"label": "Work email", "kind": "email", "target": "email", "key": "email"}),
        effect=lambda w, r: FormField.objects.filter(label="Work email").exists(),
    ),
    Row("POST", "webform_field_move", segment_owner, 302, target="web_form_field"),
    Row(
        "POST",
        "webform_field_delete",
        segment_owner,
        302,
        target="web_form_field",
        effect=lambda w, r: not FormField.objects.filter(form__slug="matrixform").exists(),
    ),
    Row("GET", "webform_submissions", segment_owner, 200, target="web_form"),
    Row("GET", "webform_submissions_csv", segment_owner, 200, target="web_form"),
    Row("GET", "webform_public", public, 200, slug="matrixform"),
    Row(
        "POST",
        "webform_public",
        public,
        303,
        slug="matrixform",
        body=public_submission,
        effect=lambda w, r: Submission.objects.filter(form__slug="matrixform").exists(),
    ),
    # Without the signed address of a submission there is nothing to thank anyone for.
    Row("GET", "webform_done", public, 404, slug="matrixform"),
    Row("GET", "webform_done_status", public, 404, slug="matrixform"),
]


# -- incoming webhooks: administrators' pages, and the address senders post to -----------


def hook_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        assert world.webhook is not None
        found = Webhook.objects.filter(pk=world.webhook.pk).first()
        return found is not None and all(getattr(found, k) == v for k, v in wanted.items())

    return effect


def hook_secret_rotated(world: World, response: TestResponse) -> bool:
    assert world.webhook is not None
    return Webhook.objects.get(pk=world.webhook.pk).secret != HOOK_SECRET


def hook_removed(world: World, response: TestResponse) -> bool:
    assert world.webhook is not None
    return not Webhook.objects.filter(pk=world.webhook.pk).exists()


def hook_form(name: str) -> Body:
    return lambda w, u: {
        "name": name,
        "action": w.action.pk,
        "preset": "generic",
        "signature_header": "",
        "event_id_path": "id",
        "default_owner": "",
        "secret": "",
        "map-TOTAL_FORMS": "1",
        "map-INITIAL_FORMS": "0",
        "map-0-path": "contact.email",
        "map-0-target": "email",
    }


HOOK_PAGES = [
    Row("GET", "hooks", administrator, 200, effect=shows(lambda w: "Mautic bridge")),
    Row("GET", "hook_new", administrator, 200),
    Row(
        "POST",
        "hook_new",
        administrator,
        200,  # the page that shows the new address and secret, once
        body=hook_form("HubSpot bridge"),
        effect=lambda w, r: Webhook.objects.filter(name="HubSpot bridge").exists(),
    ),
    Row("GET", "hook", administrator, 200, target="webhook", effect=shows(lambda w: HOOK_TOKEN)),
    Row("GET", "hook_edit", administrator, 200, target="webhook"),
    Row(
        "POST",
        "hook_edit",
        administrator,
        302,
        target="webhook",
        body=hook_form("Renamed bridge"),
        effect=hook_has(name="Renamed bridge"),
    ),
    Row("GET", "hook_rotate", administrator, 200, target="webhook"),
    Row("POST", "hook_rotate", administrator, 200, target="webhook", effect=hook_secret_rotated),
    Row(
        "POST", "hook_enable", administrator, 302, target="webhook", effect=hook_has(enabled=False)
    ),
    Row("GET", "hook_delete", administrator, 200, target="webhook"),
    Row("POST", "hook_delete", administrator, 302, target="webhook", effect=hook_removed),
    Row(
        "POST",
        "hook_try",
        administrator,
        200,
        target="webhook",
        body=fixed({"sample": '{"contact": {"email": "try@client.example"}}'}),
        effect=shows(lambda w: "try@client.example"),
    ),
    # Anyone may post to the address; without the signature everyone gets 401, and no
    # page or session changes that.
    Row("POST", "hook_receive", public, 401, slug=HOOK_TOKEN),
    Row("GET", "hook_receive", public, 405, slug=HOOK_TOKEN),
    # A delivery's outcome, for the sender holding its signed status address only.
    Row("GET", "hook_delivery_status", public, 404, slug="1:not-signed-by-convener"),
]
PAGES += HOOK_PAGES

# Not in the matrix: the Django admin (staff only, with its own model permissions).
EXCLUDED_NAMESPACES = {"admin"}


# -- work items (jobs) and their virtual meetings ------------------------------------------
# A job goes with its primary contact: seen with the contact, changed with it. Its
# resources answer for themselves (nobody is allocated to the world's job).


def answer_as_resource(person: Person) -> str:
    if not person.signed_in:
        return ANONYMOUS
    return FORBIDDEN if person.sees("contacts") else HIDDEN


def add_job(person: Person) -> str:
    """The contact is named in the form: refused next to the field, not with a 403."""
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.changes("contacts") else FORM_ERROR


def job_form(title: str) -> Body:
    def body(world: World, user: User | None) -> dict[str, Any]:
        return {
            "title": title,
            "contact": world.contact.email,
            "timezone": "Europe/Berlin",
            "start": "2031-05-04T09:00",
            "end": "2031-05-04T10:00",
        }

    return body


def job_titled(title: str) -> Effect:
    return lambda world, response: Job.objects.filter(title=title).exists()


def job_cancelled(world: World, response: TestResponse) -> bool:
    assert world.job is not None
    return Job.objects.get(pk=world.job.pk).status == "cancelled"


def automation_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        settings = MeetingAutomation.current()
        return all(getattr(settings, name) == value for name, value in wanted.items())

    return effect


PAGES += [
    Row("GET", "jobs", signed_in, 200),
    Row("GET", "my_jobs", signed_in, 200),
    Row("GET", "job_new", signed_in, 200),
    Row(
        "POST",
        "job_new",
        add_job,
        302,
        body=job_form("Matrix new job"),
        effect=job_titled("Matrix new job"),
    ),
    Row("GET", "job", view("contacts"), 200, target="job", effect=shows(lambda w: "Matrix job")),
    Row("GET", "job_edit", edit("contacts"), 200, target="job"),
    Row(
        "POST",
        "job_edit",
        edit("contacts"),
        302,
        target="job",
        body=job_form("Renamed job"),
        effect=job_titled("Renamed job"),
    ),
    Row(
        "POST",
        "job_move",
        edit("contacts"),
        302,
        target="job",
        body=lambda w, u: {"status": "cancelled"},
        effect=job_cancelled,
    ),
    Row(
        "POST",
        "job_respond",
        answer_as_resource,
        302,
        target="job",
        body=lambda w, u: {"state": "confirmed"},
    ),
    Row("GET", "job_meeting", view("contacts"), 200, target="job"),
    Row("POST", "job_meeting", edit("contacts"), 200, target="job"),
    Row("GET", "job_feed", signed_in, 200),
    Row("POST", "job_feed_change", signed_in, 302, body=lambda w, u: {"action": "renew"}),
    # A feed is found only by its secret: a wrong one is no feed, for anyone.
    Row("GET", "job_feed_ics", public, 404, slug="no-such-feed"),
    Row("GET", "meeting_configuration", administrator, 200),
    Row(
        "POST",
        "meeting_provider",
        administrator,
        302,
        body=lambda w, u: {"provider": "jitsi"},
        effect=automation_has(provider="jitsi"),
    ),
    Row("POST", "meeting_provider_remove", administrator, 200),
    Row("POST", "meeting_automation", administrator, 302, body=lambda w, u: {"enabled": "off"}),
    Row("POST", "meeting_webhook", administrator, 302),
    # Public, found by its key only (none is made in the world): no such webhook.
    Row("POST", "job_status_hook", public, 404, slug="no-such-hook"),
]


def api_job(world: World, user: User | None) -> dict[str, Any]:
    return {"title": "API job", "contact_id": world.contact.pk, "timezone": "Europe/Berlin"}


def allocate_owner(world: World, user: User | None) -> dict[str, Any]:
    return {"user_id": world.owner.pk}


API += [
    Row("GET", "/api/v1/jobs", signed_in, 200),
    Row(
        "POST",
        "/api/v1/jobs",
        schedule_for_contact,
        201,
        body=api_job,
        effect=job_titled("API job"),
    ),
    Row(
        "GET", "/api/v1/jobs/{job_id}", view("contacts"), 200, effect=shows(lambda w: "Matrix job")
    ),
    Row(
        "PATCH",
        "/api/v1/jobs/{job_id}",
        edit("contacts"),
        200,
        body=lambda w, u: {"title": "API renamed"},
        effect=job_titled("API renamed"),
    ),
    Row(
        "POST",
        "/api/v1/jobs/{job_id}/status",
        edit("contacts"),
        200,
        body=lambda w, u: {"status": "cancelled"},
        effect=job_cancelled,
    ),
    Row("POST", "/api/v1/jobs/{job_id}/allocations", edit("contacts"), 200, body=allocate_owner),
    Row(
        "POST",
        "/api/v1/jobs/{job_id}/allocations/respond",
        answer_as_resource,
        200,
        body=lambda w, u: {"state": "confirmed"},
    ),
]


# -- the team calendar ---------------------------------------------------------------------
# Every member sees the team's calendar; an event is changed by the member who made it (or
# who is on it) and by administrators. The world's event is the owner's, in person.


def change_event(person: Person) -> str:
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.role in {"administrator", "owner"} else FORBIDDEN


def event_form(title: str) -> Body:
    return lambda world, user: {
        "title": title,
        "start": "2031-05-04T09:00",
        "end": "2031-05-04T10:00",
        "timezone": "Europe/Berlin",
        "location_type": "address",
        "location_detail": "1 Main Street",
    }


def event_titled(title: str) -> Effect:
    return lambda world, response: Event.objects.filter(title=title).exists()


def event_deleted(world: World, response: TestResponse) -> bool:
    assert world.calendar_event is not None
    return not Event.objects.filter(pk=world.calendar_event.pk).exists()


PAGES += [
    Row("GET", "calendar", signed_in, 200),
    Row("GET", "calendar_month", signed_in, 200),
    Row("GET", "calendar_event_new", signed_in, 200),
    Row(
        "POST",
        "calendar_event_new",
        signed_in,
        302,
        body=event_form("Matrix new event"),
        effect=event_titled("Matrix new event"),
    ),
    Row(
        "GET",
        "calendar_event",
        signed_in,
        200,
        target="calendar_event",
        effect=shows(lambda w: "Matrix event"),
    ),
    Row("GET", "calendar_event_edit", change_event, 200, target="calendar_event"),
    Row(
        "POST",
        "calendar_event_edit",
        change_event,
        302,
        target="calendar_event",
        body=event_form("Renamed event"),
        effect=event_titled("Renamed event"),
    ),
    Row("GET", "calendar_event_link", signed_in, 200, target="calendar_event"),
    Row("POST", "calendar_event_link", change_event, 200, target="calendar_event"),
    Row(
        "POST",
        "calendar_event_delete",
        change_event,
        302,
        target="calendar_event",
        effect=event_deleted,
    ),
]


def api_event(world: World, user: User | None) -> dict[str, Any]:
    return {
        "title": "API event",
        "start": "2031-05-04T09:00:00",
        "end": "2031-05-04T10:00:00",
        "timezone": "Europe/Berlin",
        "location_type": "phone",
        "location_detail": "+49 30 1234567",
    }


API += [
    Row("GET", "/api/v1/calendar/events", signed_in, 200),
    Row(
        "POST",
        "/api/v1/calendar/events",
        signed_in,
        201,
        body=api_event,
        effect=event_titled("API event"),
    ),
    Row(
        "GET",
        "/api/v1/calendar/events/{event_id}",
        signed_in,
        200,
        effect=shows(lambda w: "Matrix event"),
    ),
]


# -- booking pages: the host's pages are the page owner's (and administrators'); the
# visitor's pages are public, a booking's found by the signed token of its links.


def booking_page_owner(person: Person) -> str:
    if not person.signed_in:
        return ANONYMOUS
    return ALLOWED if person.role in {"administrator", "owner"} else HIDDEN


def sees_booking_page(person: Person) -> bool:
    return person.role in {"administrator", "owner"}


def booking_page_settings(title: str) -> Body:
    return fixed(
        {
            "title": title,
            "published": "on",
            "kind": "personal",
            "durations": "30",
            "provider": "jitsi",
            "timezone": "Europe/Berlin",
            "buffer_before": "0",
            "buffer_after": "0",
            "minimum_notice": "60",
            "horizon_days": "30",
            "max_per_day": "0",
            "day_0": "09:00-17:00",
        }
    )


def visitor_booking(world: World, user: User | None) -> dict[str, Any]:
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    # Every person of the matrix books from the same address: the per-minute limit of
    # one visitor's bookings is not what this row is about.
    cache.clear()
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    return {
        "at": start.isoformat(),
        "tz": "Asia/Kolkata",
        "d": "30",
        "name": "Wanda Visitor",
        "email": "wanda@client.example",
        "key": "matrix-visitor",
    }


def booking_page_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        assert world.booking_page is not None
        found = BookingPage.objects.filter(pk=world.booking_page.pk).first()
        return found is not None and all(getattr(found, k) == v for k, v in wanted.items())

    return effect


def _booking_token() -> str:
    from convener.booking.links import manage_token

    return manage_token(BOOKING_REFERENCE)


BOOKING_TOKEN = _booking_token()
BOOKING_PAGE_TITLE = shows(lambda w: "Matrix intro call")

PAGES += [
    Row(
        "GET",
        "booking_pages",
        signed_in,
        200,
        effect=BOOKING_PAGE_TITLE,
        expect_effect=sees_booking_page,
    ),
    Row("GET", "booking_page_new", signed_in, 200),
    Row(
        "POST",
        "booking_page_new",
        signed_in,
        302,
        body=booking_page_settings("Demo call"),
        effect=lambda w, r: BookingPage.objects.filter(title="Demo call").exists(),
    ),
    Row("GET", "booking_page_edit", booking_page_owner, 200, target="booking_page"),
    Row(
        "POST",
        "booking_page_edit",
        booking_page_owner,
        302,
        target="booking_page",
        body=booking_page_settings("Renamed call"),
        effect=booking_page_has(title="Renamed call"),
    ),
    Row(
        "POST",
        "booking_page_delete",
        booking_page_owner,
        302,
        target="booking_page",
        effect=lambda w, r: not BookingPage.objects.filter(slug=BOOKING_SLUG).exists(),
    ),
    Row(
        "GET",
        "booking_page_bookings",
        booking_page_owner,
        200,
        target="booking_page",
        effect=shows(lambda w: "vic@client.example"),
    ),
    Row(
        "POST",
        "booking_retry",
        booking_page_owner,
        302,
        target="booking",
        effect=lambda w, r: (
            Booking.objects.filter(reference=BOOKING_REFERENCE).exclude(meeting=None).exists()
        ),
    ),
    Row("GET", "booking_public", public, 200, slug=BOOKING_SLUG),
    Row(
        "POST",
        "booking_public",
        public,
        303,
        slug=BOOKING_SLUG,
        body=visitor_booking,
        effect=lambda w, r: Booking.objects.filter(email="wanda@client.example").exists(),
    ),
    Row("GET", "booking_done", public, 200, slug=BOOKING_TOKEN),
    # The booking has no meeting yet, so no calendar file either.
    Row("GET", "booking_ics", public, 404, slug=BOOKING_TOKEN),
    Row("GET", "booking_manage", public, 200, slug=BOOKING_TOKEN),
    Row(
        "POST",
        "booking_manage",
        public,
        200,
        slug=BOOKING_TOKEN,
        body=fixed({"do": "cancel"}),
        effect=lambda w, r: Booking.objects.filter(
            reference=BOOKING_REFERENCE, status="cancelled"
        ).exists(),
    ),
]

API += [
    Row(
        "GET",
        "/api/v1/booking-pages",
        signed_in,
        200,
        effect=BOOKING_PAGE_TITLE,
        expect_effect=sees_booking_page,
    ),
    Row(
        "GET",
        "/api/v1/booking-pages/{page_id}/bookings",
        booking_page_owner,
        200,
        effect=shows(lambda w: "vic@client.example"),
    ),
]


# -- campaigns: every member sees them; the owner and administrators change them and put
# contacts in (naming contacts they may see).


def campaign_has(**wanted: Any) -> Effect:
    def effect(world: World, response: TestResponse) -> bool:
        assert world.campaign is not None
        found = Campaign.objects.filter(pk=world.campaign.pk).first()
        return found is not None and all(getattr(found, k) == v for k, v in wanted.items())

    return effect


def campaign_event_form(world: World, user: User | None) -> dict[str, Any]:
    return {
        "kind": "action",
        "type": "update_field",
        "field": "stage",
        "value": "matrix",
        "timing": "immediate",
        "delay_unit": "days",
    }


def newcomer_in_the_campaign(world: World, response: TestResponse) -> bool:
    return Journey.objects.filter(campaign=world.campaign, contact__email=NEWCOMER).exists()


PAGES += [
    Row("GET", "campaigns", signed_in, 200, effect=shows(lambda w: "Matrix journey")),
    Row("GET", "campaign_new", signed_in, 200),
    Row(
        "POST",
        "campaign_new",
        signed_in,
        302,
        body=fixed({"name": "Spring journey", "timezone": "UTC"}),
        effect=lambda w, r: Campaign.objects.filter(name="Spring journey").exists(),
    ),
    Row("GET", "campaign", signed_in, 200, target="campaign", effect=shows(lambda w: "Segment:")),
    Row(
        "GET",
        "campaign_counts",
        signed_in,
        200,
        target="campaign",
        effect=shows(lambda w: '"events"'),
    ),
    Row("GET", "campaign_edit", segment_owner, 200, target="campaign"),
    Row(
        "POST",
        "campaign_edit",
        segment_owner,
        302,
        target="campaign",
        body=fixed({"name": "Renamed journey", "timezone": "UTC", "published": "on"}),
        effect=campaign_has(name="Renamed journey"),
    ),
    Row(
        "POST",
        "campaign_delete",
        segment_owner,
        302,
        target="campaign",
        effect=lambda w, r: not Campaign.objects.filter(name="Matrix journey").exists(),
    ),
    Row(
        "POST",
        "campaign_source_new",
        segment_owner,
        302,
        target="campaign",
        body=lambda w, u: {"kind": "form", "form": w.web_form.pk if w.web_form else 0},
        effect=lambda w, r: CampaignSource.objects.filter(kind="form").exists(),
    ),
    Row(
        "POST",
        "campaign_source_delete",
        segment_owner,
        302,
        target="campaign_source",
        effect=lambda w, r: not CampaignSource.objects.exists(),
    ),
    Row("GET", "campaign_event_new", segment_owner, 200, target="campaign"),
    Row(
        "POST",
        "campaign_event_new",
        segment_owner,
        302,
        target="campaign",
        body=campaign_event_form,
        effect=lambda w, r: CampaignEvent.objects.filter(settings__value="matrix").exists(),
    ),
    Row("GET", "campaign_event_edit", segment_owner, 200, target="campaign_event"),
    Row(
        "POST",
        "campaign_event_edit",
        segment_owner,
        302,
        target="campaign_event",
        body=campaign_event_form,
        effect=lambda w, r: CampaignEvent.objects.filter(settings__value="matrix").exists(),
    ),
    Row(
        "POST",
        "campaign_event_delete",
        segment_owner,
        302,
        target="campaign_event",
        effect=lambda w, r: CampaignEvent.objects.filter(removed=True).exists(),
    ),
    Row("GET", "campaign_event_contacts", signed_in, 200, target="campaign_event"),
    Row(
        "GET",
        "campaign_event_deliveries",
        signed_in,
        200,
        target="campaign_event",
        effect=shows(lambda w: "Delivery log of"),
    ),
    Row(
        "GET",
        "campaign_event_contacts_csv",
        signed_in,
        200,
        target="campaign_event",
        effect=streams(b"Email,First name"),
    ),
]

API += [
    Row("GET", "/api/v1/campaigns", signed_in, 200, effect=shows(lambda w: "Matrix journey")),
    Row(
        "POST",
        "/api/v1/campaigns/{campaign_id}/contacts",
        segment_members,
        200,
        body=newcomer_body,
        effect=newcomer_in_the_campaign,
    ),
]
