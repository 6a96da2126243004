"""Downloading outputs as one ZIP, streamed: nothing beyond one chunk of a file is held in memory.

The gallery's selection and a batch (batch_zip.py, which adds a manifest) both name their entries and hand
them to `download`; the streaming is written here once.
"""

import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from jobs import archive
from jobs.models import ArchiveState

FILE_CHUNK_BYTES = 64 * 1024


class NothingToZip(Exception):
    """None of the selection has a local copy; the message is for the person who chose it."""


@dataclass(frozen=True)
class Entry:
    """One file of the ZIP: a local file copied in chunks, or a few bytes made for it (a manifest)."""

    name: str
    at: datetime
    path: Path | None = None
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


def local_file(output) -> Path | None:
    """The output's archived file, if it is on disk."""
    path = archive.media_path(output.file) if output.archive_state == ArchiveState.ARCHIVED else None
    return path if path and path.is_file() else None


def _gallery_entries(outputs) -> list[Entry]:
    entries = []
    for output in outputs:
        if path := local_file(output):
            model = slugify(output.model_key.replace("/", "-"))[:40]
            stem = f"{output.created_at:%Y%m%d-%H%M%S}-{model}-{output.uuid.hex[:8]}"
            entries.append(Entry(f"{stem}{path.suffix}", output.created_at, path=path))
    return entries


def _zip_stream(entries: list[Entry]):
    # ZIP_STORED: media are compressed already. zipfile sees an unseekable file and writes data
    # descriptors, so nothing is ever buffered beyond one chunk.
    sink = _ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as bundle:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=entry.at.timetuple()[:6])
            if entry.path is None:
                bundle.writestr(info, entry.data)
                yield sink.drain()
                continue
            info.file_size = entry.path.stat().st_size  # lets zipfile choose ZIP64 up front for big files
            with entry.path.open("rb") as source, bundle.open(info, "w") as target:
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
    """The outputs' local files as a ZIP download; NothingToZip when none has a local copy yet."""
    entries = _gallery_entries(outputs)
    if not entries:
        raise NothingToZip("None of the selected outputs has a local copy to download yet.")
    return download(entries, f"netmind-gallery-{timezone.now():%Y%m%d-%H%M%S}.zip")
