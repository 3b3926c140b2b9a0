"""An import of contacts from one uploaded CSV file: its layout, the column mapping, and
how far the import got."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ContactImport(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Waiting for the column mapping"
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_imports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255, help_text="The uploaded file's name")
    # The file's name in the import directory (a random token, never the uploaded name);
    # the report sits beside it.
    stored_as = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField(default=0)
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0, help_text="Rows after the header")
    # One entry per column of the file: the target it is imported as ("email",
    # "first_name", "fields.<key>", ...), or "" to leave it out.
    mapping = models.JSONField(default=list)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    # Which run of the background task holds the import: a resume after a crash starts
    # the next, and a run that finds another number has been replaced and stops.
    run = models.PositiveIntegerField(default=0)
    resumes = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    # Rows read so far (committed with the contacts they made), and what became of them.
    rows_done = models.PositiveIntegerField(default=0)
    created_contacts = models.PositiveIntegerField(default=0)
    updated_contacts = models.PositiveIntegerField(default=0)
    unchanged_contacts = models.PositiveIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    blank_rows = models.PositiveIntegerField(default=0)
    # The first problems as [row, column header, message]; the rest are counted here and
    # listed only in the report file, which has every row.
    problems = models.JSONField(default=list)
    problems_not_kept = models.PositiveIntegerField(default=0)
    # How much of the report file belongs to committed rows: a resumed run cuts it back
    # to this length before it goes on.
    report_bytes = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def delimiter_name(self) -> str:
        return {";": "semicolons", "\t": "tabs"}.get(self.delimiter, "commas")

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_done * 100 // self.total_rows)


class SeenAddress(models.Model):
    """An address an import has read, as a 64-bit fingerprint, with the row it was first
    on: how a later row with the same address is found, in whatever chunk or run it comes,
    without keeping every address in memory. Written with each chunk, so a resumed run
    knows them too; deleted when the import is done."""

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.BigIntegerField()
    row = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact_import", "fingerprint"], name="imports_address_seen_once"
            )
        ]

    def __str__(self) -> str:
        return f"row {self.row} of import {self.contact_import_id}"
