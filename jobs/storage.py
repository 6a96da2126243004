"""Content-addressed storage under MEDIA_ROOT: where archived bytes land and how they leave.

Files are stored as `objects/ab/cd/<sha256>.<ext>`: identical bytes are stored once and shared by
every Output that has them. Bytes land in a temp file under MEDIA_ROOT/tmp and are renamed into
place, and no failure leaves a temp file behind.
"""

import hashlib
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings

from jobs.archive_errors import ArchiveError, TransientError
from jobs.media_formats import SNIFF_BYTES, MediaFormat, sniff
from jobs.models import Output

CHUNK_BYTES = 64 * 1024


def media_path(relative: str) -> Path | None:
    """The absolute path of an archived file, or None if `relative` would leave MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / relative).resolve()
    return target if relative and target.is_relative_to(root) else None


def delete_output_files(outputs) -> int:
    """Remove the files (and thumbnails) of `outputs` that no other Output references.

    Works before or after the rows themselves are deleted. Returns how many files were removed.
    """
    outputs = list(outputs)
    ids = [output.pk for output in outputs]
    removed = 0
    for field in ("file", "thumbnail"):
        paths = {getattr(output, field) for output in outputs} - {""}
        still_used = set(
            Output.objects.filter(**{f"{field}__in": paths}).exclude(pk__in=ids).values_list(field, flat=True)
        )
        for relative in paths - still_used:
            target = media_path(relative)
            if target is not None and target.is_file():
                target.unlink()
                removed += 1
    return removed


def too_big_message(max_bytes: int) -> str:
    return f"The file is larger than the {max_bytes:,}-byte cap (MEDIA_MAX_BYTES)."


def receive(raw, kind: str, deadline: float, time_limit: float):
    """Stream a response body into storage, checking size, time and magic bytes as it arrives."""
    max_bytes = settings.MEDIA_MAX_BYTES
    with TempFile() as temp:
        head = b""
        fmt = None
        while chunk := raw.read1(CHUNK_BYTES, decode_content=False):
            if time.monotonic() > deadline:
                raise TransientError(f"The download took longer than {time_limit:g} s.")
            temp.write(chunk)
            if temp.size > max_bytes:
                raise ArchiveError(too_big_message(max_bytes))
            if fmt is None and len(head) < SNIFF_BYTES:
                head += chunk[:SNIFF_BYTES]
                if len(head) >= SNIFF_BYTES:
                    fmt = sniff(kind, head)  # refuse an HTML page before downloading all of it
        fmt = fmt or sniff(kind, head)
        return temp.place(fmt), temp.size, temp.sha256, fmt


def ingest(path: Path, kind: str):
    """Copy a file already on disk into storage, with the same checks as a download."""
    max_bytes = settings.MEDIA_MAX_BYTES
    try:
        with path.open("rb") as source, TempFile() as temp:
            head = source.read(SNIFF_BYTES)
            fmt = sniff(kind, head)
            chunk = head
            while chunk:
                temp.write(chunk)
                if temp.size > max_bytes:
                    raise ArchiveError(too_big_message(max_bytes))
                chunk = source.read(CHUNK_BYTES)
            return temp.place(fmt), temp.size, temp.sha256, fmt
    except OSError as error:
        raise ArchiveError(f"Could not store the result file: {error.strerror or error}.") from None


class TempFile:
    """A hashed temp file under MEDIA_ROOT/tmp that is renamed into its content address or removed."""

    def __enter__(self):
        temp_dir = Path(settings.MEDIA_ROOT) / "tmp"
        temp_dir.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.NamedTemporaryFile(dir=temp_dir, prefix="incoming-", suffix=".part", delete=False)
        self._digest = hashlib.sha256()
        self.size = 0
        return self

    def write(self, chunk: bytes):
        self._file.write(chunk)
        self._digest.update(chunk)
        self.size += len(chunk)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def place(self, fmt: MediaFormat) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        sha = self.sha256
        relative = f"objects/{sha[:2]}/{sha[2:4]}/{sha}.{fmt.ext}"
        final = Path(settings.MEDIA_ROOT) / relative
        if not final.exists():  # identical bytes are already stored: keep that copy
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._file.name, final)
        return relative

    def __exit__(self, *exc_info):
        self._file.close()
        Path(self._file.name).unlink(missing_ok=True)  # after place() it is gone already
        return False
