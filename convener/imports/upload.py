"""The upload of a CSV file, streamed to disk as it arrives.

Django's own handlers keep a small upload in memory and a large one in a temporary file
outside the data directory; this one writes every chunk straight into an owner-only file
in the import directory, stops reading at the size limit, and checks the bytes are UTF-8
as they pass, so a workbook or a UTF-16 file is refused at once, with what to do instead.
"""

from __future__ import annotations

import codecs
from typing import Any, BinaryIO

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest

from convener.imports import storage
from convener.plaintext import one_line

FIELD = "file"
SAVE_AS = "In your spreadsheet, choose Save As (or Download) and “CSV UTF-8”."

# How a file that is not CSV text starts, and what it is.
_NOT_CSV = (
    (b"PK\x03\x04", f"This is a workbook (.xlsx or .ods), not a CSV file. {SAVE_AS}"),
    (b"\xd0\xcf\x11\xe0", f"This is an old Excel workbook (.xls), not a CSV file. {SAVE_AS}"),
    (b"\xff\xfe", f"This file is UTF-16 text (“Unicode text”). {SAVE_AS}"),
    (b"\xfe\xff", f"This file is UTF-16 text (“Unicode text”). {SAVE_AS}"),
)


class StoredUpload(UploadedFile):  # type: ignore[type-arg]
    """The uploaded file, already in the import directory under `token`."""

    def __init__(self, token: str, name: str, size: int) -> None:
        super().__init__(file=None, name=name, size=size)
        self.token = token

    def close(self) -> None:
        """Nothing is open: the handler closed the file when the upload ended (Django
        closes every uploaded file after the response)."""


class CsvUpload(FileUploadHandler):
    """Handles the form's `file` field (other files are skipped). After the request,
    `refusal` says why the file was refused, or `token` names the stored file."""

    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.token = ""
        self.out: BinaryIO | None = None
        self.size = 0
        self.refusal = ""
        self.claimed = False
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != FIELD or self.token:
            raise SkipFile
        self.token, self.out = storage.new_source()

    def _refuse(self, message: str) -> None:
        self.refusal = message
        self.discard()
        raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self.out is not None
        if start == 0:
            for magic, message in _NOT_CSV:
                if raw_data.startswith(magic):
                    self._refuse(message)
        self.size += len(raw_data)
        if self.size > self.max_bytes:
            self._refuse(
                f"The file is larger than {self.max_bytes // 2**20:,} MB: split it into "
                "smaller files and import them one after the other."
            )
        try:
            self.decoder.decode(raw_data)
        except UnicodeDecodeError as error:
            self._refuse(
                f"The file is not UTF-8 text (byte {start + error.start + 1:,} is not). {SAVE_AS}"
            )
        self.out.write(raw_data)

    def file_complete(self, file_size: int) -> StoredUpload | None:
        if self.out is None:
            return None
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self._refuse(f"The file ends in the middle of a UTF-8 character. {SAVE_AS}")
        self.out.close()
        self.out = None
        name = one_line(str(self.file_name or ""))[:255] or "upload.csv"
        return StoredUpload(self.token, name, file_size)

    def upload_interrupted(self) -> None:
        self.discard()

    def discard(self) -> None:
        """Remove the stored file (a refused, interrupted or unused upload)."""
        if self.out is not None:
            self.out.close()
            self.out = None
        if self.token and not self.claimed:
            storage.remove_source(self.token)
            self.token = ""
