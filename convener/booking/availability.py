"""A booking page's free times: its rules (read from the page), each host's busy times
(their calendar, Convener's meetings, the page's bookings) and the pure computation of
`convener.booking.slots`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, Q
from django.utils import timezone

from convener.booking import busy as provider_calendar
from convener.booking.models import Booking, BookingPage, BookingStatus, PageKind
from convener.booking.slots import GRID, HostTimes, Interval, Rules, Span, team_free
from convener.meetings.models import Meeting, MeetingState
from convener.team.models import User


def _wall(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour) % 24, int(minute))


def _windows(raw: object) -> list[tuple[time, time]]:
    return [(_wall(a), _wall(b)) for a, b in raw] if isinstance(raw, list) else []


def rules_of(page: BookingPage) -> Rules:
    weekly = {int(day): _windows(windows) for day, windows in (page.weekly or {}).items()}
    overrides = {
        date.fromisoformat(day): _windows(windows)
        for day, windows in (page.overrides or {}).items()
    }
    return Rules(
        zone=page.timezone,
        weekly=weekly,
        overrides=overrides,
        buffer_before=timedelta(minutes=page.buffer_before),
        buffer_after=timedelta(minutes=page.buffer_after),
        minimum_notice=timedelta(minutes=page.minimum_notice),
        horizon_days=page.horizon_days,
        max_per_day=page.max_per_day,
    )


@dataclass
class FreeTimes:
    """Each free start (UTC) with the hosts free at it, and why a host's calendar could
    not be read (by host name), for the host's settings page and the visitor's notice."""

    starts: dict[datetime, list[int]]
    unavailable: dict[str, str] = field(default_factory=dict)


def _span(page: BookingPage, now: datetime) -> tuple[datetime, datetime]:
    """The range busy times are read for: whole hours, so the cache key stays the same for
    an hour of visitors."""
    low = now.replace(minute=0, second=0, microsecond=0)
    return low, low + timedelta(days=page.horizon_days + 2)


def host_times(
    page: BookingPage,
    hosts: list[User],
    now: datetime,
    *,
    ignore_booking: Booking | None = None,
) -> dict[int, HostTimes]:
    low, high = _span(page, now)
    zone = ZoneInfo(page.timezone)
    host_ids = [h.pk for h in hosts]
    own: dict[int, list[Interval]] = {pk: [] for pk in host_ids}
    meetings = (
        Meeting.objects.filter(host_id__in=host_ids, start__lt=high, end__gt=low)
        .exclude(state=MeetingState.CANCELLED)
        .exclude(cancel_requested=True)
    )
    skipped_meeting = ignore_booking.meeting_id if ignore_booking else None
    for pk, host_id, start, end in meetings.values_list("pk", "host_id", "start", "end"):
        if pk != skipped_meeting:
            own[host_id].append((start, end))
    per_day: dict[int, dict[date, int]] = {pk: {} for pk in host_ids}
    bookings = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, start__lt=high, end__gt=low
    ).filter(Q(host_id__in=host_ids) | Q(page=page))
    if ignore_booking is not None:
        bookings = bookings.exclude(pk=ignore_booking.pk)
    collective = page.kind == PageKind.COLLECTIVE
    for page_id, host_id, start, end in bookings.values_list("page_id", "host_id", "start", "end"):
        # A collective booking takes every host of its page, whoever it is recorded for.
        takes = host_ids if collective and page_id == page.pk else [host_id]
        for pk in takes:
            if pk in own:
                own[pk].append((start, end))
                if page_id == page.pk:
                    day = start.astimezone(zone).date()
                    per_day[pk][day] = per_day[pk].get(day, 0) + 1
    calendars = provider_calendar.calendars_of(hosts)
    cached = provider_calendar.cached_busy(calendars, low, high)
    found: dict[int, HostTimes] = {}
    for host in hosts:
        times = HostTimes(busy=own[host.pk], booked_per_day=per_day[host.pk])
        calendar = calendars.get(host.pk)
        if calendar is not None:
            try:
                asked = provider_calendar.provider_busy(
                    host, calendar, low, high, cached.get(host.pk)
                )
                times.busy = [*own[host.pk], *asked]
            except provider_calendar.BusyUnavailable as refused:
                times.unavailable = str(refused)
        found[host.pk] = times
    return found


def page_hosts(page: BookingPage) -> list[User]:
    return list(User.objects.filter(pk__in=page.host_ids()).order_by("pk"))


LOOK_AHEAD = timedelta(days=7)  # how far `PageTimes.first_free` computes at a time


@dataclass
class PageTimes:
    """What a page's free times are computed from, read once: the rules and each host's
    busy times over the whole horizon. `free` computes the starts of one part of it, so a
    page that shows a week, or looks a few weeks ahead for the next free time, reads the
    database and the providers once and computes no more slots than it shows."""

    rules: Rules
    duration: timedelta
    now: datetime
    hosts: dict[int, HostTimes]
    everyone: bool
    unavailable: dict[str, str] = field(default_factory=dict)

    def free(self, span: Span | None = None) -> dict[datetime, list[int]]:
        if not self.hosts:
            return {}
        return team_free(
            self.rules, self.duration, self.now, self.hosts, everyone=self.everyone, span=span
        )

    @property
    def horizon_end(self) -> datetime:
        return self.now + timedelta(days=self.rules.horizon_days)

    def first_free(
        self, after: datetime, count: int = 1, before: datetime | None = None
    ) -> list[datetime]:
        """The first `count` free starts from `after` on (and before `before`), looked for
        a week at a time so that a page with free times soon computes only the first week."""
        found: list[datetime] = []
        end = self.horizon_end + GRID  # a span's end is open: the horizon's last start in
        if before is not None:
            end = min(end, before)
        low = max(after, self.now)
        while low < end and len(found) < count:
            high = min(low + LOOK_AHEAD, end)
            found.extend(self.free((low, high)))
            low = high
        return found[:count]


def page_times(
    page: BookingPage,
    duration_minutes: int,
    *,
    now: datetime | None = None,
    ignore_booking: Booking | None = None,
) -> PageTimes:
    now = now or timezone.now()
    hosts = page_hosts(page)
    times = host_times(page, hosts, now, ignore_booking=ignore_booking) if hosts else {}
    names = {h.pk: h.get_full_name() or h.username for h in hosts}
    return PageTimes(
        rules=rules_of(page),
        duration=timedelta(minutes=duration_minutes),
        now=now,
        hosts=times,
        everyone=page.kind == PageKind.COLLECTIVE,
        unavailable={names[pk]: t.unavailable for pk, t in times.items() if t.unavailable},
    )


def free_times(
    page: BookingPage,
    duration_minutes: int,
    *,
    now: datetime | None = None,
    ignore_booking: Booking | None = None,
    span: Span | None = None,
) -> FreeTimes:
    """The free starts within `span` (the whole horizon without one)."""
    times = page_times(page, duration_minutes, now=now, ignore_booking=ignore_booking)
    return FreeTimes(times.free(span), times.unavailable)


def free_at(
    page: BookingPage,
    start: datetime,
    duration_minutes: int,
    *,
    now: datetime | None = None,
    ignore_booking: Booking | None = None,
) -> list[int]:
    """The hosts free for a meeting at `start`: only that start is computed."""
    span = (start, start + GRID)
    found = free_times(page, duration_minutes, now=now, ignore_booking=ignore_booking, span=span)
    return found.starts.get(start, [])


def last_booked(page: BookingPage, host_ids: list[int]) -> dict[int, datetime | None]:
    """When each host was last given a booking of this page (round robin's measure)."""
    rows = (
        Booking.objects.filter(page=page, host_id__in=host_ids)
        .values("host_id")
        .annotate(last=Max("created_at"))
    )
    return {row["host_id"]: row["last"] for row in rows}
