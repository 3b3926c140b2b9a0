"""The world every row of the access matrix is tried in: an owner's contact, a meeting
they host on their own Zoom account, its invitation, a reusable action, and the people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Attendee, Delivery, Meeting, MeetingAction, MeetingState
from convener.meetings.sync import lane_for
from convener.team.members import permissions
from convener.team.models import ApiToken, User
from tests.access.people import Person

CONNECTION_EMAIL = "owner-zoom@example.com"


@dataclass
class World:
    admin: User
    owner: User
    other: User
    colleague: User  # whose permissions the Team page changes
    tokens: dict[str, str]  # user pk -> API token
    contact: Contact
    connection: Connection
    meeting: Meeting
    delivery: Delivery
    action: MeetingAction

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
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    owner = User.objects.create_user("olga", "olga@example.com", "x", first_name="Olga")
    other = User.objects.create_user("mike", "mike@example.com", "x", first_name="Mike")
    colleague = User.objects.create_user("cleo", "cleo@example.com", "x")
    contact = Contact.objects.create(
        email="carla@client.example", first_name="Carla", company="Client", owner=owner
    )
    connection = Connection.objects.create(
        provider="zoom", level=Connection.Level.USER, user=owner, account_email=CONNECTION_EMAIL
    )
    start = timezone.now() + timedelta(days=10)
    # A meeting whose link failed: every change (edit, link by hand, cancel, retry) applies.
    meeting = Meeting.objects.create(
        contact=contact,
        host=owner,
        provider="zoom",
        connection=connection,
        title="Quarterly review",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="Europe/Berlin",
        state=MeetingState.LINK_FAILED,
        attempts=3,
        next_attempt_at=start - timedelta(days=9),
        lane=lane_for("zoom", connection.pk),
    )
    Attendee.objects.create(meeting=meeting, email=contact.email, kind=Attendee.Kind.CONTACT)
    delivery = Delivery.objects.create(
        meeting=meeting,
        recipient=contact.email,
        sequence=0,
        subject="Invitation: Quarterly review",
        text_body="Join us.",
        html_body="<p>Join us.</p>",
        ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        status=Delivery.Status.HELD,
    )
    action = MeetingAction.objects.create(name="Spring wave", provider="jitsi")
    tokens = {user.pk: ApiToken.issue(user, "matrix")[1] for user in (admin, owner, other)}
    return World(
        admin, owner, other, colleague, tokens, contact, connection, meeting, delivery, action
    )
