"""The import pages: upload and past imports; one import's column mapping and preview,
then its progress (polled through htmx) and its report; the report as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from convener.imports import mapping, preview, reading, report, storage, tasks
from convener.imports.models import ContactImport
from convener.imports.permissions import find_import, visible_imports
from convener.imports.upload import FIELD, CsvUpload, StoredUpload
from convener.team import access
from convener.team.models import User

RECENT = 20
# After this long in the queue, the page says a worker may not be running.
QUEUE_PATIENCE_SECONDS = 30


def _index(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    recent = [tasks.recover_if_stalled(job) for job in visible_imports(request.user)[:RECENT]]
    return render(
        request,
        "imports/index.html",
        {
            "imports": recent,
            "error": error,
            "max_mb": settings.IMPORT_MAX_BYTES // 2**20,
            "targets": mapping.targets(),
        },
        status=status,
    )


@csrf_protect
def _upload(request: HttpRequest, handler: CsvUpload) -> HttpResponse:
    stored = request.FILES.get(FIELD)
    if not isinstance(stored, StoredUpload):
        return _index(request, handler.refusal or "Choose a CSV file to upload.")
    try:
        layout = reading.analyse(storage.source_path(stored.token))
    except reading.UnreadableFile as unreadable:
        return _index(request, str(unreadable))
    choices = mapping.targets()
    assert isinstance(request.user, User)  # signed in: contact_import checked
    job = ContactImport.objects.create(
        created_by=request.user,
        file_name=stored.name or "upload.csv",
        stored_as=stored.token,
        size=stored.size or 0,
        delimiter=layout.delimiter,
        headers=layout.headers,
        total_rows=layout.total_rows,
        mapping=mapping.guess(layout.headers, choices),
    )
    handler.claimed = True
    return redirect("contact_import_detail", pk=job.pk)


# The upload is read by CsvUpload as it arrives, so the handler must be in place before
# anything reads the body: the CSRF check, which reads it, runs after, in _upload.
@csrf_exempt
def contact_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and past imports. POST: upload a file."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    access.require_may_add_contacts(request.user)
    if request.method != "POST":
        return _index(request)
    handler = CsvUpload(request, settings.IMPORT_MAX_BYTES)
    request.upload_handlers = [handler]
    try:
        return _upload(request, handler)
    finally:
        handler.discard()


def _mapping_from(request: HttpRequest, job: ContactImport, choices: list[Any]) -> None:
    """Take the column choices of the form (column-0, column-1, ...) into `job`."""
    sent = [request.POST.get(f"column-{index}", "") for index in range(len(job.headers))]
    job.mapping = mapping.normalise(sent, len(job.headers), choices)
    job.save(update_fields=["mapping"])


def _mapping_context(job: ContactImport) -> dict[str, Any]:
    choices = mapping.targets()
    job.mapping = mapping.normalise(job.mapping, len(job.headers), choices)
    return {
        "job": job,
        "built_in": [target for target in choices if not target.is_custom],
        "custom": [target for target in choices if target.is_custom],
        "preview": preview.build(job, choices),
        "preview_rows": preview.PREVIEW_ROWS,
    }


def _progress_context(job: ContactImport) -> dict[str, Any]:
    waiting = (
        job.status == ContactImport.Status.QUEUED
        and job.heartbeat_at is not None
        and (timezone.now() - job.heartbeat_at).total_seconds() > QUEUE_PATIENCE_SECONDS
    )
    return {"job": job, "worker_missing": waiting}


@login_required
def contact_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = tasks.recover_if_stalled(find_import(request.user, pk))
    if job.status == ContactImport.Status.UPLOADED:
        return render(request, "imports/detail.html", _mapping_context(job))
    context = _progress_context(job)
    if getattr(request, "htmx", False):
        return render(request, "imports/progress.html", context)
    return render(request, "imports/detail.html", context)


@login_required
@require_POST
def contact_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The mapping form, sent on every change: saves the choices and answers the form
    again with its errors and the preview of the first rows."""
    job = find_import(request.user, pk, use=True)
    if job.status != ContactImport.Status.UPLOADED:
        return render(request, "imports/started.html", {"job": job})
    _mapping_from(request, job, mapping.targets())
    return render(request, "imports/mapping.html", _mapping_context(job))


@login_required
@require_POST
def contact_import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the import with the mapping of the form, or continue one that stopped."""
    with transaction.atomic():
        job = find_import(request.user, pk, use=True)
        job = ContactImport.objects.select_for_update().get(pk=job.pk)
        if job.status == ContactImport.Status.UPLOADED:
            choices = mapping.targets()
            if any(name.startswith("column-") for name in request.POST):
                _mapping_from(request, job, choices)
            context = _mapping_context(job)
            if context["preview"].mapping_errors or context["preview"].file_problem:
                return render(request, "imports/detail.html", context)
            tasks.queue(job)
            messages.success(request, "The import has started.")
        elif job.status == ContactImport.Status.FAILED:
            job.resumes = 0  # a person asked: the restarts after crashes count anew
            job.save(update_fields=["resumes"])
            tasks.queue(job)
            messages.success(request, f"The import goes on from row {job.rows_done + 2:,}.")
    return redirect("contact_import_detail", pk=job.pk)


@login_required
@require_POST
def contact_import_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete an import and its files; one still running stops at its next chunk (the
    contacts it made stay)."""
    job = find_import(request.user, pk)
    token, name = job.stored_as, job.file_name
    job.delete()
    transaction.on_commit(lambda: storage.remove(token))
    messages.success(request, f"Deleted the import of {name}.")
    return redirect("contact_import")


def _committed_part(job: ContactImport) -> Iterator[bytes]:
    """The report up to its committed length (a running import may have written a chunk
    that is not committed yet); just the column names before the first chunk."""
    try:
        source = storage.report_path(job.stored_as).open("rb")
    except FileNotFoundError:
        yield report.header_line()
        return
    with source:
        left = job.report_bytes
        if not left:
            yield report.header_line()
        while left > 0:
            block = source.read(min(left, 64 * 1024))
            if not block:
                break
            left -= len(block)
            yield block


@login_required
def contact_import_report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    job = find_import(request.user, pk)
    response = StreamingHttpResponse(_committed_part(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response
