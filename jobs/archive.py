"""The media archive: the one place that copies result files and keeps them.

Providers hand out pre-signed object-store links that expire, so every output is copied into the media
storage (settings.STORAGES["default"]) soon after it appears. The link came from a remote API, so the download
goes through the client for outside URLs (netmind_console/clients/outside.py): only hosts in
MEDIA_ALLOWED_HOSTS, https unless the host is in MEDIA_INSECURE_HOSTS, public addresses only, DNS pinned,
same-origin redirects, time caps. Here: a size cap, the declared type and magic bytes (media_formats.py), and
content-addressed storage (storage.py); this module keeps the bookkeeping, retries and sweeps.

A text output (a transcript) has no link: its text came inline and is on its row. It is archived all the same, as a
UTF-8 `.txt` file in the same content-addressed storage (size, sha256, archive state), so downloads, ZIPs and the
API treat it like any other output's file.
"""

import logging
import time
from datetime import timedelta
from pathlib import Path

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Q
from django.utils import timezone

from jobs import thumbnails
from jobs.archive_errors import ArchiveError, LinkExpired, TransientError
from jobs.media_formats import CONTENT_TYPE_BY_EXT, FORMATS, MediaFormat, check_declared_type
from jobs.models import ArchiveState, Output, OutputKind
from jobs.storage import TempFile, delete_names, delete_output_files, ingest, receive, too_big_message
from netmind_console.clients import outside
from netmind_console.core.backoff import backoff
from netmind_console.core.queue import enqueue

__all__ = [
    "CONTENT_TYPE_BY_EXT", "FORMATS", "ArchiveError", "LinkExpired", "MediaFormat", "TransientError",
    "archive_output", "delete_output_files", "ingest_incoming", "storage_stats", "sweep_archives",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 60
# django-q2 kills a task after 120 s (Q_CLUSTER["timeout"]): end a download well before that.
DEFAULT_DOWNLOAD_SECONDS = 90
# A pending output older than this has probably lost its task; the sweep gives it a new one.
PENDING_GRACE = timedelta(minutes=2)
# After the sweep enqueues an output it leaves it alone this long, so a slow task is not doubled.
SWEEP_LEASE = timedelta(minutes=10)
EXPIRED_STATUSES = {403, 404, 410}
USER_AGENT = "NetMind-Console-Archive/1"
# Not a downloaded format (media_formats.FORMATS sniffs those): the console writes these bytes itself.
TEXT_FORMAT = MediaFormat(OutputKind.TEXT, "txt", "text/plain; charset=utf-8", frozenset({"text/plain"}))


def archive_output(output_id: int) -> str | None:
    """Copy one output's remote file into the archive. Safe to run twice; returns the archive state."""
    output = Output.objects.filter(pk=output_id).first()
    if output is None:
        return None  # deleted meanwhile
    if output.archive_state == ArchiveState.ARCHIVED:
        return output.archive_state
    if output.kind == OutputKind.TEXT:
        return _archive_text(output)
    if not output.remote_url:
        return _record_failure(output, ArchiveError("The output has no remote link to copy."))
    try:
        relative, size, sha256, fmt = _download(output.remote_url, output.kind)
    except ArchiveError as error:
        return _record_failure(output, error)
    return _record_archived(output, relative, size, sha256, fmt)


def _archive_text(output) -> str | None:
    """Write the row's text to the storage as a .txt file, content-addressed like every file."""
    try:
        with TempFile() as temp:
            temp.write(output.text.encode("utf-8"))
            relative = temp.place(TEXT_FORMAT)
            size, sha256 = temp.size, temp.sha256
    except (OSError, SuspiciousFileOperation) as error:
        reason = getattr(error, "strerror", None) or error
        return _record_failure(output, TransientError(f"Could not store the text file: {reason}."))
    return _record_archived(output, relative, size, sha256, TEXT_FORMAT)


def ingest_incoming(output_id: int, name: str) -> str | None:
    """Archive a result already in the storage under `incoming/` (Apinfer results, staged there by lifecycle.py).

    Takes ownership of `name`: the incoming copy is removed whatever happens, so a failure is final (no retry):
    the provider handed the bytes over once.
    """
    if Path(name).is_absolute():  # queued before the upgrade: MEDIA_ROOT/incoming/<file>, the same stored file
        name = f"incoming/{Path(name).name}"
    try:
        output = Output.objects.filter(pk=output_id).first()
        if output is None:
            return None
        if output.archive_state == ArchiveState.ARCHIVED:
            return output.archive_state
        try:
            relative, size, sha256, fmt = ingest(name, output.kind)
        except ArchiveError as error:
            return _record_failure(output, error)
        return _record_archived(output, relative, size, sha256, fmt)
    finally:
        delete_names([name])


def sweep_archives(now=None) -> list[int]:
    """Enqueue an archive task for every output that lost its task or whose retry is due."""
    now = now or timezone.now()
    not_leased = Q(archive_retry_at__isnull=True) | Q(archive_retry_at__lte=now)
    due = Output.objects.filter(
        Q(archive_state=ArchiveState.PENDING, created_at__lte=now - PENDING_GRACE) & not_leased
        | Q(archive_state=ArchiveState.FAILED, archive_retry_at__lte=now, archive_attempts__lt=MAX_ATTEMPTS)
    ).exclude(Q(remote_url="") & ~Q(kind=OutputKind.TEXT))  # a text needs no link: its row holds it
    ids = list(due.order_by("archive_retry_at", "id").values_list("id", flat=True)[:500])
    Output.objects.filter(id__in=ids).update(archive_retry_at=now + SWEEP_LEASE)
    for output_id in ids:
        enqueue("jobs.tasks.archive_output", output_id)
    return ids


def storage_stats(workspace) -> dict:
    """What the workspace's archive holds, counting a file shared by several outputs once."""
    files = (
        Output.objects.filter(workspace=workspace, archive_state=ArchiveState.ARCHIVED)
        .exclude(file="")
        .order_by()  # the default ordering's columns would defeat DISTINCT
        .values_list("kind", "file", "size")
        .distinct()
    )
    per_kind = {}
    for kind, _file, size in files.iterator():
        row = per_kind.setdefault(kind, {"kind": kind, "files": 0, "bytes": 0})
        row["files"] += 1
        row["bytes"] += size or 0
    rows = sorted(per_kind.values(), key=lambda row: row["kind"])
    return {"files": sum(r["files"] for r in rows), "bytes": sum(r["bytes"] for r in rows), "per_kind": rows}


def _record_archived(output, relative, size, sha256, fmt) -> str | None:
    output.file, output.size, output.sha256, output.content_type = relative, size, sha256, fmt.content_type
    output.archive_state, output.archive_error, output.archive_retry_at = ArchiveState.ARCHIVED, "", None
    output.archived_at = timezone.now()
    fields = ["file", "size", "sha256", "content_type", "archive_state", "archive_error", "archive_retry_at",
              "archived_at"]
    if not Output.objects.filter(pk=output.pk).update(**{name: getattr(output, name) for name in fields}):
        delete_output_files([output])  # the output was deleted while it downloaded: drop an orphan file
        return None
    if output.kind == OutputKind.TEXT:
        return output.archive_state  # no thumbnail, no duration: the page shows the text itself
    try:
        thumbnails.make_thumbnail(output)
    except Exception:  # a missing thumbnail only costs a placeholder; the archive itself succeeded
        log.exception("Thumbnail of output %s failed", output.pk)
    return output.archive_state


def _record_failure(output, error: ArchiveError) -> str:
    attempts = output.archive_attempts + 1
    if isinstance(error, LinkExpired):
        state, retry_at = ArchiveState.EXPIRED, None
    else:
        state = ArchiveState.FAILED
        retry_at = _next_retry(attempts) if error.retry and attempts < MAX_ATTEMPTS else None
    log.info("Archive of output %s: %s (%s)", output.pk, state, error)
    Output.objects.filter(pk=output.pk).update(
        archive_state=state, archive_error=str(error)[:500], archive_attempts=attempts, archive_retry_at=retry_at
    )
    return state


def _next_retry(attempts: int):
    return timezone.now() + backoff(attempts, first=FIRST_RETRY_SECONDS, cap=FIRST_RETRY_SECONDS * 2 ** MAX_ATTEMPTS)


def _download(url: str, kind: str):
    time_limit = getattr(settings, "MEDIA_DOWNLOAD_SECONDS", DEFAULT_DOWNLOAD_SECONDS)
    deadline = time.monotonic() + time_limit
    try:
        with outside.get_stream(
            url, deadline=deadline, headers={"User-Agent": USER_AGENT},
            allowed_hosts=settings.MEDIA_ALLOWED_HOSTS, allowed_name="MEDIA_ALLOWED_HOSTS",
            insecure_hosts=settings.MEDIA_INSECURE_HOSTS, insecure_name="MEDIA_INSECURE_HOSTS",
        ) as response:
            _check_response(response, kind)
            return receive(response.raw, kind, deadline, time_limit)
    except outside.RefusedURL as error:
        raise ArchiveError(str(error)) from None
    except outside.Unreachable as error:
        raise TransientError(f"Download failed: {error}") from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        raise TransientError(f"Download failed: {error.__class__.__name__}: {str(error)[:200]}") from None


def _check_response(response, kind: str):
    if response.status_code in EXPIRED_STATUSES:
        raise LinkExpired(f"The link expired before it was copied (HTTP {response.status_code}).")
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"The file server answered HTTP {response.status_code}.")
    if response.status_code != 200:
        raise ArchiveError(f"The file server answered HTTP {response.status_code}.")
    check_declared_type(kind, response.headers.get("Content-Type", "").split(";")[0].strip().lower())
    length = response.headers.get("Content-Length", "")
    max_bytes = settings.MEDIA_MAX_BYTES
    if length.isdigit() and int(length) > max_bytes:
        raise ArchiveError(too_big_message(max_bytes))
