"""The world every row of the access matrix is tried in: an owner's contact, a meeting
they host on their own Zoom account, its invitation, a reusable action, the owner's
launch of it (a run holding that meeting), and the people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from convener.booking.models import Booking, BookingPage
from convener.calendar.models import Event, LocationType
from convener.campaigns.models import Campaign, EventType, Source
from convener.campaigns.models import Event as CampaignEvent
from convener.connections.models import Connection
from convener.crm.models import Contact, CustomField
from convener.hooks.models import Webhook
from convener.imports.models import ContactImport
from convener.meetings.models import Delivery, Meeting, MeetingAction, MeetingState, Run
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.segments.models import Segment, SegmentMember
from convener.team.members import permissions
from convener.team.models import ApiToken, User
from convener.webforms.models import FormField, WebForm
from convener.workitems.models import Job, JobStatus
from tests.access.people import Person
from tests.access.support import zoom_meeting_on_own_account
from tests.imports.support import csv_bytes, stored_import

CONNECTION_EMAIL = "owner-zoom@example.com"
HOOK_TOKEN, HOOK_SECRET = "matrix-hook-token", "matrix-hook-secret"
# The owner's booking page, open every hour of every day, and a booking on it whose
# signed links the matrix knows (its reference is fixed).
BOOKING_SLUG, BOOKING_REFERENCE = "matrixbooking", "5b0c1a6e-6c1e-4c8a-9d43-0a9c5e1f2b77"
IMPORTED_CSV = csv_bytes([["Email", "First name"], ["imported@client.example", "Ivy"]])


@dataclass
class World:
    admin: User
    owner: User
    other: User
    colleague: User  # whose permissions the Team page changes
    tokens: dict[int, str]  # user pk -> API token
    contact: Contact
    connection: Connection
    meeting: Meeting
    delivery: Delivery
    action: MeetingAction
    segment: Segment  # the owner's static segment, holding the contact
    run: Run
    contact_import: ContactImport  # the owner's uploaded CSV file, not imported yet
    # The organization's Zoom Server-to-Server account, with a default host.
    zoom_organization: Connection | None = None
    custom_field: CustomField | None = None  # a text field no contact holds a value for
    web_form: WebForm | None = None  # the owner's published form, at /f/matrixform/
    web_form_field: FormField | None = None  # its email field
    webhook: Webhook | None = None  # an incoming webhook running the action
    job: Job | None = None  # a scheduled job for the owner's contact, nobody allocated
    # The owner's published campaign fed by their segment, with one step.
    campaign: Campaign | None = None
    campaign_source: Source | None = None
    campaign_event: CampaignEvent | None = None
    calendar_event: Event | None = None  # the owner's in-person event, with the owner on it
    booking_page: BookingPage | None = None  # the owner's page, at /b/matrixbooking/
    booking: Booking | None = None  # a visitor's booking on it, without a meeting yet

    @property
    def owner_token(self) -> ApiToken:
        """The owner's API token: only the owner finds it on their profile."""
        return ApiToken.objects.get(user=self.owner, name="matrix")

    def user(self, person: Person) -> User | None:
        """The account `person` asks with, holding exactly their permissions."""
        if person.role == "anonymous":
            return None
        if person.admin:
            return self.admin
        user = self.owner if person.role == "owner" else self.other
        user.groups.clear()
        user.user_permissions.set(permissions(sorted(person.perms)))
        return user


def build_world() -> World:
    world = _build_world()
    world.booking_page, world.booking = _booking_page(world.owner)
    return world


def _build_world() -> World:
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    owner = User.objects.create_user("olga", "olga@example.com", "x", first_name="Olga")
    other = User.objects.create_user("mike", "mike@example.com", "x", first_name="Mike")
    colleague = User.objects.create_user("cleo", "cleo@example.com", "x")
    contact = Contact.objects.create(
        email="carla@client.example", first_name="Carla", company="Client", owner=owner
    )
    # A meeting whose link failed: every change (edit, link by hand, cancel, retry) applies.
    meeting = zoom_meeting_on_own_account(
        owner,
        contact,
        CONNECTION_EMAIL,
        "Quarterly review",
        state=MeetingState.LINK_FAILED,
        attempts=3,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    connection, delivery = meeting.connection, meeting.deliveries.get()
    assert connection is not None
    action = MeetingAction.objects.create(name="Spring wave", provider="jitsi")
    tokens = {user.pk: ApiToken.issue(user, "matrix")[1] for user in (admin, owner, other)}
    segment = Segment.objects.create(name="Key accounts", kind=Segment.Kind.STATIC, owner=owner)
    SegmentMember.objects.create(segment=segment, contact=contact)
    contact_import = stored_import(owner, IMPORTED_CSV)
    zoom_organization = Connection.objects.create(
        provider="zoom",
        level=Connection.Level.ORGANIZATION,
        kind="server_to_server",
        user=admin,
        account_email="meetings@example.com",
        default_host_email="host@example.com",
    )
    custom_field = CustomField.objects.create(key="region", label="Region")
    web_form = WebForm.objects.create(
        name="Matrix demo form", slug="matrixform", owner=owner, published=True
    )
    web_form_field = FormField.objects.create(
        form=web_form, key="email", label="Email", kind="email", target="email", required=True
    )
    return World(
        admin,
        owner,
        other,
        colleague,
        tokens,
        contact,
        connection,
        meeting,
        delivery,
        action,
        segment,
        _launched(owner, action, meeting),
        contact_import,
        zoom_organization,
        custom_field,
        web_form,
        web_form_field,
        webhook=_webhook(admin, action),
        job=_job(contact),
        calendar_event=_calendar_event(owner),
        **_campaign(owner, segment),
    )


def _campaign(owner: User, segment: Segment) -> dict[str, Any]:
    campaign = Campaign.objects.create(name="Matrix journey", owner=owner, published=True)
    source = Source.objects.create(campaign=campaign, kind=Source.Kind.SEGMENT, segment=segment)
    event = CampaignEvent.objects.create(
        campaign=campaign, type=EventType.UPDATE_FIELD, settings={"field": "a", "value": "1"}
    )
    return {"campaign": campaign, "campaign_source": source, "campaign_event": event}


def _calendar_event(owner: User) -> Event:
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(
        title="Matrix event",
        start=start,
        end=start + timedelta(hours=1),
        timezone="Europe/Berlin",
        location_type=LocationType.ADDRESS,
        location_detail="1 Main Street",
        created_by=owner,
    )
    event.members.set([owner])
    return event


def _booking_page(owner: User) -> tuple[BookingPage, Booking]:
    page = BookingPage.objects.create(
        owner=owner,
        slug=BOOKING_SLUG,
        title="Matrix intro call",
        timezone="UTC",
        weekly={str(day): [["00:00", "24:00"]] for day in range(7)},
        minimum_notice=0,
        horizon_days=30,
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=20)
    booking = Booking.objects.create(
        page=page,
        reference=BOOKING_REFERENCE,
        request_key="matrix",
        host=owner,
        start=start,
        end=start + timedelta(minutes=30),
        visitor_timezone="UTC",
        name="Vic Visitor",
        email="vic@client.example",
    )
    return page, booking


def _job(contact: Contact) -> Job:
    start = timezone.now() + timedelta(days=3)
    return Job.objects.create(
        title="Matrix job",
        contact=contact,
        timezone="Europe/Berlin",
        start=start,
        end=start + timedelta(hours=1),
        status=JobStatus.PENDING_ALLOCATION,
    )


def _webhook(admin: User, action: MeetingAction) -> Webhook:
    """An administrator's webhook, at a known address and with a known secret."""
    webhook = Webhook(
        name="Mautic bridge",
        action=action,
        signature_header="Convener-Signature",
        mapping=[{"path": "contact.email", "target": "email"}],
        created_by=admin,
    )
    webhook.seal(token=HOOK_TOKEN, secret=HOOK_SECRET)
    webhook.save()
    return webhook


def _launched(owner: User, action: MeetingAction, meeting: Meeting) -> Run:
    """The owner's launch of the action, holding the world's meeting."""
    ref = TriggerRef(TriggerKind.BULK, str(action.pk), "matrix")
    assert meeting.contact_id is not None
    Meeting.objects.filter(pk=meeting.pk).update(
        trigger=ref.kind, trigger_source=ref.source, trigger_key=ref.meeting_key(meeting.contact_id)
    )
    return Run.objects.create(
        action=action,
        label="Matrix wave",
        trigger=ref.kind,
        trigger_source=ref.source,
        occurrence=ref.occurrence,
        requested_by=owner,
        requested=1,
        created=1,
    )
