"""The caps on what a meeting may carry and on what one request may ask for.

Each is documented, with its reason, in docs/api-limits.md. The checks return errors
keyed by field, so the API and the web forms point at the field that is over.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from convener.meetings.models import validate_attendee_email
from convener.plaintext import single_line_error, text_error
from convener.providers.registry import PROVIDERS, provider_class

# Zoom keeps 200 characters of a topic and Microsoft 255 of a subject; the title is also
# the email subject, which should read on one line of a mail client.
TITLE_MAX = 200
# Zoom's longest passcode.
PASSCODE_MAX = 10
# Google Calendar keeps about 8,192 characters of a description; providers with less
# room say so in their capabilities (Zoom: 1,961).
DESCRIPTION_MAX = 8000
# People invited besides the contact (external addresses and team members). Each gets
# one email per version of each meeting, and an action may be launched on thousands of
# contacts.
EXTRA_ATTENDEES_MAX = 50
# Contacts in one POST /meetings: its meetings are made and returned while the client
# waits. Larger selections go through an action's launch.
CONTACTS_PER_REQUEST_MAX = 1000
# Contact ids listed in one launch or preview of an action. The launch streams, so
# `all_contacts` has no cap; ids beyond this are sent in several launches with the same
# trigger_ref, which never doubles a meeting.
LAUNCH_CONTACT_IDS_MAX = 10_000


def description_max(provider: str) -> int:
    limit = (
        provider_class(provider).capabilities.description_limit if provider in PROVIDERS else None
    )
    return min(DESCRIPTION_MAX, limit or DESCRIPTION_MAX)


def title_problems(title: str, field: str = "title", limit: int = TITLE_MAX) -> dict[str, str]:
    if len(title) > limit:
        return {field: f"a title has at most {limit:,} characters (this one has {len(title):,})"}
    problem = single_line_error(title)
    return {field: f"the title {problem}"} if problem else {}


def description_problems(
    description: str, provider: str, field: str = "description"
) -> dict[str, str]:
    limit = description_max(provider)
    if len(description) > limit:
        where = "" if limit == DESCRIPTION_MAX else f" for {provider_class(provider).name}"
        return {
            field: f"a description has at most {limit:,} characters{where} "
            f"(this one has {len(description):,})"
        }
    problem = text_error(description)
    return {field: f"the description {problem}"} if problem else {}


def attendee_problems(
    emails: list[str], team_members: int = 0, field: str = "attendees"
) -> dict[str, str]:
    """Extra attendees: the addresses given, plus `team_members` invited from the team."""
    if len(emails) + team_members > EXTRA_ATTENDEES_MAX:
        return {
            field: f"a meeting has at most {EXTRA_ATTENDEES_MAX} attendees besides the contact "
            f"(this one has {len(emails) + team_members})"
        }
    for email in emails:
        problem = single_line_error(email)
        if problem:
            return {field: f"{email!r} is not a valid email address: it {problem}"}
        try:
            validate_attendee_email(email)
        except ValidationError as exc:
            return {field: f"{email!r} is not a valid email address: {exc.messages[0]}"}
    return {}
