"""The submissions page's filters: by outcome, by text (the address or any answer), and
by the day they arrived in the viewer's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from convener.webforms.models import Submission, SubmissionStatus, WebForm


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class SubmissionFilter:
    status: str
    text: str
    since: date | None
    until: date | None
    problems: dict[str, str]

    @classmethod
    def read(cls, query: QueryDict) -> SubmissionFilter:
        status = query.get("status", "")
        problems: dict[str, str] = {}
        if status and status not in SubmissionStatus.values:
            problems["status"] = "Choose an outcome from the list."
            status = ""
        since, until = _day(query.get("since", "")), _day(query.get("until", ""))
        if query.get("since") and since is None:
            problems["since"] = "Enter a date such as 2026-03-31."
        if query.get("until") and until is None:
            problems["until"] = "Enter a date such as 2026-03-31."
        return cls(status, query.get("q", "").strip()[:200], since, until, problems)

    def apply(self, form: WebForm) -> QuerySet[Submission]:
        found = form.submissions.select_related("contact", "meeting")
        if self.status:
            found = found.filter(status=self.status)
        if self.text:
            found = found.filter(
                Q(contact__email__icontains=self.text) | Q(values__icontains=self.text)
            )
        zone = timezone.get_current_timezone()
        if self.since:
            found = found.filter(received_at__gte=datetime.combine(self.since, time(), zone))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time(), zone)
            found = found.filter(received_at__lt=end)
        return found

    @property
    def active(self) -> bool:
        return bool(self.status or self.text or self.since or self.until)
