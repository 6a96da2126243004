"""Downloading outputs as one ZIP, streamed: nothing beyond one chunk of a file is held in memory.

The gallery's selection and a batch (batch_zip.py, which adds a manifest) both name their entries and hand
them to `download`; the streaming is written here once. Files are read from the media storage by name
(`default_storage`), in chunks, wherever it keeps them.
"""

import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from jobs.models import ArchiveState
from netmind_console.core.file_responses import is_stored

FILE_CHUNK_BYTES = 64 * 1024


class NothingToZip(Exception):
    """None of the selection has a local copy; the message is for the person who chose it."""


@dataclass(frozen=True)
class Entry:
    """One file of the ZIP: a stored file (by its storage name) copied in chunks, or a few bytes made for it."""

    name: str
    at: datetime
    stored: str = ""
    data: bytes = b""


class _ZipSink:
    """A write-only file for zipfile: it collects what is written until the generator yields it."""

    def __init__(self):
        self._parts = []

    def write(self, data):
        self._parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def stored_file(output) -> str:
    """The storage name of the output's archived file, if the storage has it; else ""."""
    archived = output.archive_state == ArchiveState.ARCHIVED
    return output.file if archived and is_stored(default_storage, output.file) else ""


def suffix(name: str) -> str:
    return PurePosixPath(name).suffix


def download_name(output, stored: str) -> str:
    """`20250918-091420-openai-whisper-1a2b3c4d.txt`: when, which model, which output, and the stored file's type."""
    model = slugify(output.model_key.replace("/", "-"))[:40]
    return f"{output.created_at:%Y%m%d-%H%M%S}-{model}-{output.uuid.hex[:8]}{suffix(stored)}"


def _gallery_entries(outputs) -> list[Entry]:
    return [Entry(download_name(output, stored), output.created_at, stored=stored)
            for output in outputs if (stored := stored_file(output))]


def _zip_stream(entries: list[Entry]):
    # ZIP_STORED: media are compressed already. zipfile sees an unseekable file and writes data
    # descriptors, so nothing is ever buffered beyond one chunk.
    sink = _ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as bundle:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=entry.at.timetuple()[:6])
            if not entry.stored:
                bundle.writestr(info, entry.data)
                yield sink.drain()
                continue
            info.file_size = default_storage.size(entry.stored)  # lets zipfile choose ZIP64 up front for big files
            with default_storage.open(entry.stored, "rb") as source, bundle.open(info, "w") as target:
                while chunk := source.read(FILE_CHUNK_BYTES):
                    target.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def download(entries: list[Entry], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_zip_stream(entries), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def zip_response(outputs):
    """The outputs' stored files as a ZIP download; NothingToZip when none has a stored copy yet."""
    entries = _gallery_entries(outputs)
    if not entries:
        raise NothingToZip("None of the selected outputs has a local copy to download yet.")
    return download(entries, f"netmind-gallery-{timezone.now():%Y%m%d-%H%M%S}.zip")
