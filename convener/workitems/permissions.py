"""Who may see and change a job. A job goes with its primary contact, as an invitation
goes with its meeting (docs/permissions.md): whoever may see the contact sees the job,
whoever may change the contact changes the job. A resource also sees the jobs they are
allocated to, and confirms or declines their own allocation."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from convener.team import access
from convener.workitems.models import Job


def visible_jobs(user: Any) -> QuerySet[Job]:
    jobs = Job.objects.select_related("contact", "contact__owner")
    if not getattr(user, "is_authenticated", False):
        return jobs.none()
    if access.is_admin(user):
        return jobs
    contacts = access.visible_contacts(user).values("pk")
    return jobs.filter(Q(contact__in=contacts) | Q(allocations__resource=user)).distinct()


def find_job(user: Any, pk: Any) -> Job:
    """The job, or 404 when the person may not see it (or there is none)."""
    job = visible_jobs(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if job is None:
        raise access.NotVisible("not found")
    return job


def may_change(user: Any, job: Job) -> bool:
    return access.can_edit(user, job.contact)


def require_change(user: Any, job: Job) -> None:
    """403 with the reason for a job the person sees but may not change."""
    if not may_change(user, job):
        raise access.NotAllowed(
            "Changing a job needs the permission to change its contact. "
            + access.refusal(user, job.contact)
        )


def is_resource(user: Any, job: Job) -> bool:
    return job.allocations.filter(resource_id=getattr(user, "pk", None)).exists()
