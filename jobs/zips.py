"""Downloading a selection of outputs as one ZIP, streamed: nothing beyond one chunk is held in memory."""

import zipfile

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from jobs import archive
from jobs.models import ArchiveState

FILE_CHUNK_BYTES = 64 * 1024


class NothingToZip(Exception):
    """None of the selection has a local copy; the message is for the person who chose it."""


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


def _zip_entries(outputs):
    """(name in the zip, path, size, time) of every selected output that has a local file."""
    entries = []
    for output in outputs:
        path = archive.media_path(output.file) if output.archive_state == ArchiveState.ARCHIVED else None
        if path and path.is_file():
            model = slugify(output.model_key.replace("/", "-"))[:40]
            stem = f"{output.created_at:%Y%m%d-%H%M%S}-{model}-{output.uuid.hex[:8]}"
            entries.append((f"{stem}{path.suffix}", path, path.stat().st_size, output.created_at))
    return entries


def _zip_stream(entries):
    # ZIP_STORED: media are compressed already. zipfile sees an unseekable file and writes data
    # descriptors, so nothing is ever buffered beyond one chunk.
    sink = _ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, path, size, created_at in entries:
            info = zipfile.ZipInfo(name, date_time=created_at.timetuple()[:6])
            info.file_size = size  # lets zipfile choose ZIP64 up front for big files
            with path.open("rb") as source, bundle.open(info, "w") as target:
                while chunk := source.read(FILE_CHUNK_BYTES):
                    target.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def zip_response(outputs):
    """The outputs' local files as a ZIP download; NothingToZip when none has a local copy yet."""
    entries = _zip_entries(outputs)
    if not entries:
        raise NothingToZip("None of the selected outputs has a local copy to download yet.")
    response = StreamingHttpResponse(_zip_stream(entries), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="netmind-gallery-{timezone.now():%Y%m%d-%H%M%S}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
