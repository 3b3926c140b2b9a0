"""Uploading a CSV file, mapping it and running the import, as the pages do it."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.test import Client

from convener.imports.models import ContactImport
from tests.conftest import run_worker

HTMX = {"HX-Request": "true"}


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def upload(client: Client, data: bytes, name: str = "contacts.csv") -> Any:
    """POST the upload form; returns the response."""
    file = io.BytesIO(data)
    file.name = name
    return client.post("/contacts/import/", {"file": file})


def uploaded(client: Client, data: bytes, name: str = "contacts.csv") -> ContactImport:
    """Upload `data`, which must be accepted, and return its import."""
    response = upload(client, data, name)
    assert response.status_code == 302, response.content.decode()[:3000]
    match = re.fullmatch(r"/contacts/import/(\d+)/", response["Location"])
    assert match, response["Location"]
    return ContactImport.objects.get(pk=int(match.group(1)))


def mapping_form(job: ContactImport, mapping: list[str] | None = None) -> dict[str, str]:
    chosen = job.mapping if mapping is None else mapping
    return {f"column-{index}": key for index, key in enumerate(chosen)}


def preview(client: Client, job: ContactImport, mapping: list[str] | None = None) -> str:
    response = client.post(
        f"/contacts/import/{job.pk}/preview/", mapping_form(job, mapping), headers=HTMX
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    return response.content.decode()


def start(client: Client, job: ContactImport, mapping: list[str] | None = None) -> Any:
    return client.post(f"/contacts/import/{job.pk}/start/", mapping_form(job, mapping))


def run(
    captured: Any, client: Client, job: ContactImport, mapping: list[str] | None = None
) -> ContactImport:
    """Start the import (the task is enqueued on commit), run the worker, and return the
    import as it ended. `captured` is pytest-django's django_capture_on_commit_callbacks."""
    with captured(execute=True):
        response = start(client, job, mapping)
    assert response.status_code == 302, response.content.decode()[:3000]
    run_worker()
    job.refresh_from_db()
    return job


def report_rows(client: Client, job: ContactImport) -> list[dict[str, str]]:
    response: Any = client.get(f"/contacts/import/{job.pk}/report.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def stored_import(user: Any, data: bytes, name: str = "contacts.csv") -> ContactImport:
    """An import of `data` uploaded by `user`, as the upload page leaves it (the file in
    the import directory, the layout read, the columns guessed), without a request."""
    from convener.imports import mapping, reading, storage

    token, out = storage.new_source()
    with out:
        out.write(data)
    layout = reading.analyse(storage.source_path(token))
    return ContactImport.objects.create(
        created_by=user,
        file_name=name,
        stored_as=token,
        size=len(data),
        delimiter=layout.delimiter,
        headers=layout.headers,
        total_rows=layout.total_rows,
        mapping=mapping.guess(layout.headers, mapping.targets()),
    )
