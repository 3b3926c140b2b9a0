"""A resource's private calendar feed: their jobs, with the meeting link and passcode.

Published as a subscription (no METHOD): each job is one VEVENT whose UID is the job's
own and never changes, so a subscribed calendar (Google, Apple, Outlook) updates the
event when the job moves and shows it cancelled (STATUS:CANCELLED, SEQUENCE raised)
when the job is cancelled. Times carry the job's zone with its VTIMEZONE. REFRESH-
INTERVAL (RFC 7986) and X-PUBLISHED-TTL (Outlook, Apple) ask for a refresh every
15 minutes; clients may poll less often, which is theirs to decide.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from icalendar import Calendar, Conference, Event, Timezone, vDuration

from convener.meetings.models import MeetingState
from convener.team.models import User
from convener.workitems import automation
from convener.workitems.models import AllocationState, Job, JobStatus

REFRESH = timedelta(minutes=15)
PAST = timedelta(days=30)  # how far back the feed lists jobs
PRODID = "-//Convener//Convener jobs//EN"


def feed_jobs(user: User, now: datetime) -> QuerySet[Job]:
    return (
        Job.objects.filter(allocations__resource=user, start__isnull=False, end__gte=now - PAST)
        .exclude(allocations__resource=user, allocations__state=AllocationState.DECLINED)
        .select_related("contact")
        .order_by("start", "pk")
        .distinct()
    )


def uid_of(job: Job) -> str:
    return f"job-{job.pk}@convener"


def _event(job: Job, stamp: datetime) -> Event:
    assert job.start is not None and job.end is not None
    meeting = automation.meeting_of(job)
    event = Event()
    event.add("UID", uid_of(job))
    event.add("DTSTAMP", stamp.astimezone(UTC))
    event.add("LAST-MODIFIED", job.updated_at.astimezone(UTC))
    # Raised with every change of the job's meeting, and once more for a cancelled job.
    sequence = meeting.sequence if meeting is not None else 0
    cancelled = job.status == JobStatus.CANCELLED
    event.add("SEQUENCE", sequence + (1 if cancelled and meeting is None else 0))
    event.add("SUMMARY", job.title)
    if job.timezone == "UTC":
        event.add("DTSTART", job.start.astimezone(UTC))
        event.add("DTEND", job.end.astimezone(UTC))
    else:
        event.add("DTSTART", job.start.astimezone(ZoneInfo(job.timezone)))
        event.add("DTEND", job.end.astimezone(ZoneInfo(job.timezone)))
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    lines = [job.description] if job.description else []
    lines.append(f"Contact: {job.contact.name} <{job.contact.email}>")
    live = (
        meeting is not None
        and meeting.join_url
        and not meeting.cancel_requested
        and meeting.state != MeetingState.CANCELLED
    )
    if meeting is not None and live:
        event.add("LOCATION", meeting.join_url)
        event.add("URL", meeting.join_url)
        lines.append(f"Join: {meeting.join_url}")
        if meeting.passcode:
            lines.append(f"Passcode: {meeting.passcode}")
        event.conferences = [Conference(meeting.join_url, feature="VIDEO", label="Join")]
    event.add("DESCRIPTION", "\n".join(lines))
    return event


def build_feed(user: User, now: datetime) -> str:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("NAME", f"Jobs of {user.display_name}")
    calendar.add("X-WR-CALNAME", f"Jobs of {user.display_name}")
    calendar.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    jobs = list(feed_jobs(user, now))
    years: dict[str, tuple[int, int]] = {}
    for job in jobs:
        assert job.start is not None and job.end is not None
        if job.timezone != "UTC":
            low, high = years.get(job.timezone, (job.start.year, job.end.year))
            years[job.timezone] = (min(low, job.start.year), max(high, job.end.year))
    for zone, (low, high) in sorted(years.items()):
        calendar.add_component(
            Timezone.from_tzid(
                zone, first_date=date(low - 1, 1, 1), last_date=date(high + 1, 12, 31)
            )
        )
    for job in jobs:
        calendar.add_component(_event(job, now))
    text: str = calendar.to_ical().decode()
    return text
