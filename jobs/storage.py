"""Content-addressed media in the configured storage (settings.STORAGES["default"]): where bytes land, how they leave.

Every byte goes through `default_storage`, never through a path built on MEDIA_ROOT, so media can live on a
shared volume or in an object store by configuration alone. Files are stored as `objects/ab/cd/<sha256>.<ext>`:
identical bytes are stored once and shared by every Output that has them. Bytes on their way in are hashed into
a temp file in staging_dir() and handed to the storage's save(): a FileSystemStorage renames the staged file
into place (staging_dir is inside its root, so on the same file system), another backend streams it. No failure
leaves a temp file behind.
"""

import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

from jobs.archive_errors import ArchiveError, TransientError
from jobs.media_formats import SNIFF_BYTES, MediaFormat, sniff
from jobs.models import Output

CHUNK_BYTES = 64 * 1024
STAGING_NAME = ".staging"  # inside a FileSystemStorage's root; never a name a row holds
_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


def local_path(name: str) -> Path | None:
    """Where `name` really is on this host's disk, or None when the storage keeps it elsewhere.

    Only a FileSystemStorage keeps its files at path(name): an object store has no path(), and InMemoryStorage
    answers one under MEDIA_ROOT where nothing is stored.
    """
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.path(name))
    return None


def staging_dir() -> Path:
    """A local directory for bytes on their way into the storage, created if missing."""
    path = local_path(STAGING_NAME) or Path(settings.VAR_DIR) / "staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """A path on this host's disk holding the stored file `name`, for a subprocess (ffmpeg) that wants one.

    The stored file itself when the storage is local, else a temp copy removed afterwards.
    """
    path = local_path(name)
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile(dir=staging_dir(), prefix="copy-", suffix=Path(name).suffix) as copy:
        with default_storage.open(name, "rb") as source:
            shutil.copyfileobj(source, copy, CHUNK_BYTES)
        copy.flush()
        yield Path(copy.name)


class _StagedFile(File):
    """A staged file the storage may take by its path: FileSystemStorage renames it, as it does a large upload."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _save_staged(name: str, staged: Path) -> str:
    """Store the staged file under `name` unless the storage has that name already (content-addressed: same name,
    same bytes); the name it is stored under. The staged file is gone either way."""
    try:
        if default_storage.exists(name):
            return name
        with staged.open("rb") as source:
            # A concurrent save of the same bytes may win the name: this one gets an alternative, still correct.
            return default_storage.save(name, _StagedFile(source))
    finally:
        staged.unlink(missing_ok=True)  # moved by a FileSystemStorage already


def store_incoming(path: Path) -> str:
    """Move a result file the client wrote to this host's disk into the storage under `incoming/`, where a task on
    any host can read it; the storage name. The local file is gone either way."""
    suffix = path.suffix if _SAFE_SUFFIX.fullmatch(path.suffix) else ""
    return _save_staged(f"incoming/{uuid.uuid4().hex}{suffix}", path)


def delete_names(names: Iterable[str]) -> int:
    """Delete stored files by name; a name that would leave the storage's root is never touched. How many."""
    removed = 0
    for name in names:
        try:
            if name and default_storage.exists(name):
                default_storage.delete(name)
                removed += 1
        except SuspiciousFileOperation:
            pass
    return removed


def delete_output_files(outputs) -> int:
    """Remove the files (and thumbnails) of `outputs` that no other Output references.

    Works before or after the rows themselves are deleted. Returns how many files were removed.
    """
    outputs = list(outputs)
    ids = [output.pk for output in outputs]
    removed = 0
    for field in ("file", "thumbnail"):
        names = {getattr(output, field) for output in outputs} - {""}
        still_used = set(
            Output.objects.filter(**{f"{field}__in": names}).exclude(pk__in=ids).values_list(field, flat=True)
        )
        removed += delete_names(names - still_used)
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


def ingest(name: str, kind: str):
    """Copy a file already in the storage (under `incoming/`) to its content address, with a download's checks."""
    max_bytes = settings.MEDIA_MAX_BYTES
    try:
        with default_storage.open(name, "rb") as source, TempFile() as temp:
            head = source.read(SNIFF_BYTES)
            fmt = sniff(kind, head)
            chunk = head
            while chunk:
                temp.write(chunk)
                if temp.size > max_bytes:
                    raise ArchiveError(too_big_message(max_bytes))
                chunk = source.read(CHUNK_BYTES)
            return temp.place(fmt), temp.size, temp.sha256, fmt
    except (OSError, SuspiciousFileOperation) as error:
        raise ArchiveError(f"Could not store the result file: {getattr(error, 'strerror', None) or error}.") from None


class TempFile:
    """A hashed temp file in staging_dir() that is stored (moved into the storage) or removed."""

    def __enter__(self):
        self._file = tempfile.NamedTemporaryFile(dir=staging_dir(), prefix="incoming-", suffix=".part", delete=False)
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
        """Store the bytes under their content address; the name stored."""
        sha = self.sha256
        return self.store_as(f"objects/{sha[:2]}/{sha[2:4]}/{sha}.{fmt.ext}")

    def store_as(self, name: str) -> str:
        """Store the bytes under `name`, a name that always means the same bytes (the first copy is kept)."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return _save_staged(name, Path(self._file.name))

    def __exit__(self, *exc_info):
        self._file.close()
        Path(self._file.name).unlink(missing_ok=True)  # after place() it is gone already
        return False
