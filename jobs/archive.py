"""The media archive: the one place that downloads result files and keeps them.

Providers hand out pre-signed object-store links that expire, so every output is copied into
MEDIA_ROOT soon after it appears. A download is a server-side request to a URL that came from a
remote API, so it is treated as hostile input:

- only hosts in MEDIA_ALLOWED_HOSTS, over https unless the host is in MEDIA_INSECURE_HOSTS;
- the host is resolved once, every address must be public (unless the host is insecure-listed),
  and the connection goes to that checked address, so DNS rebinding cannot slip past the check;
- redirects are followed by hand, only to the same scheme, host and port, a few at most;
- a size cap (Content-Length and counted bytes), a total time cap, no proxies, no .netrc, no
  Authorization header, no content decoding;
- the declared content type and the file's magic bytes must both fit the output's kind.

Files are content-addressed (`objects/ab/cd/<sha256>.<ext>`): identical bytes are stored once and
shared by every Output that has them. Bytes land in a temp file under MEDIA_ROOT and are renamed
into place, and no failure leaves a temp file behind.
"""

import hashlib
import ipaddress
import logging
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from jobs import thumbnails
from jobs.models import ArchiveState, Output

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 60
MAX_REDIRECTS = 3
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 20
# django-q2 kills a task after 120 s (Q_CLUSTER["timeout"]): end a download well before that.
DEFAULT_DOWNLOAD_SECONDS = 90
# A pending output older than this has probably lost its task; the sweep gives it a new one.
PENDING_GRACE = timedelta(minutes=2)
# After the sweep enqueues an output it leaves it alone this long, so a slow task is not doubled.
SWEEP_LEASE = timedelta(minutes=10)
CHUNK_BYTES = 64 * 1024
SNIFF_BYTES = 16

GENERIC_CONTENT_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
EXPIRED_STATUSES = {403, 404, 410}


@dataclass(frozen=True)
class MediaFormat:
    kind: str
    ext: str
    content_type: str
    declared_as: frozenset  # Content-Type values servers use for it

    def matches(self, head: bytes) -> bool:
        return _MAGIC[self.ext](head)


def _is_mp3(head):
    # An ID3 tag, or an MPEG audio frame sync whose layer bits are not 00 (that would be AAC).
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06)


_MAGIC = {
    "png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    "gif": lambda h: h[:6] in (b"GIF87a", b"GIF89a"),
    "mp4": lambda h: h[4:8] == b"ftyp",
    "webm": lambda h: h.startswith(b"\x1a\x45\xdf\xa3"),
    "wav": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE",
    "mp3": _is_mp3,
    "ogg": lambda h: h.startswith(b"OggS"),
    "flac": lambda h: h.startswith(b"fLaC"),
}

FORMATS = [
    MediaFormat("image", "png", "image/png", frozenset({"image/png"})),
    MediaFormat("image", "jpg", "image/jpeg", frozenset({"image/jpeg", "image/jpg", "image/pjpeg"})),
    MediaFormat("image", "webp", "image/webp", frozenset({"image/webp"})),
    MediaFormat("image", "gif", "image/gif", frozenset({"image/gif"})),
    MediaFormat("video", "mp4", "video/mp4", frozenset({"video/mp4", "video/quicktime"})),
    MediaFormat("video", "webm", "video/webm", frozenset({"video/webm"})),
    MediaFormat("audio", "wav", "audio/wav", frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})),
    MediaFormat("audio", "mp3", "audio/mpeg", frozenset({"audio/mpeg", "audio/mp3"})),
    MediaFormat("audio", "ogg", "audio/ogg", frozenset({"audio/ogg", "application/ogg", "audio/opus"})),
    MediaFormat("audio", "flac", "audio/flac", frozenset({"audio/flac", "audio/x-flac"})),
]
CONTENT_TYPE_BY_EXT = {fmt.ext: fmt.content_type for fmt in FORMATS}


class ArchiveError(Exception):
    """A download that cannot succeed as it is: retrying would give the same answer."""

    retry = False


class TransientError(ArchiveError):
    """Network trouble, a 5xx or a slow server: worth another attempt later."""

    retry = True


class LinkExpired(ArchiveError):
    """The object store no longer serves the link (403/404/410): it expired before we copied it."""


# --- public entry points -------------------------------------------------------------------------


def archive_output(output_id: int) -> str | None:
    """Copy one output's remote file into the archive. Safe to run twice; returns the archive state."""
    output = Output.objects.filter(pk=output_id).first()
    if output is None:
        return None  # deleted meanwhile
    if output.archive_state == ArchiveState.ARCHIVED:
        return output.archive_state
    if not output.remote_url:
        return _record_failure(output, ArchiveError("The output has no remote link to copy."))
    try:
        relative, size, sha256, fmt = _download(output.remote_url, output.kind)
    except ArchiveError as error:
        return _record_failure(output, error)
    return _record_archived(output, relative, size, sha256, fmt)


def ingest_local_file(output_id: int, path) -> str | None:
    """Archive a file already on disk (Apinfer results, decoded from base64 by the client).

    Takes ownership of `path`: it is moved into the archive or removed, never left behind.
    A failure is final (no retry): the bytes are gone.
    """
    path = Path(path)
    try:
        output = Output.objects.filter(pk=output_id).first()
        if output is None:
            return None
        if output.archive_state == ArchiveState.ARCHIVED:
            return output.archive_state
        try:
            relative, size, sha256, fmt = _ingest(path, output.kind)
        except ArchiveError as error:
            return _record_failure(output, error)
        return _record_archived(output, relative, size, sha256, fmt)
    finally:
        path.unlink(missing_ok=True)


def sweep_archives(now=None) -> list[int]:
    """Enqueue an archive task for every output that lost its task or whose retry is due."""
    now = now or timezone.now()
    not_leased = Q(archive_retry_at__isnull=True) | Q(archive_retry_at__lte=now)
    due = Output.objects.filter(
        Q(archive_state=ArchiveState.PENDING, created_at__lte=now - PENDING_GRACE) & not_leased
        | Q(archive_state=ArchiveState.FAILED, archive_retry_at__lte=now, archive_attempts__lt=MAX_ATTEMPTS)
    ).exclude(remote_url="")
    ids = list(due.order_by("archive_retry_at", "id").values_list("id", flat=True)[:500])
    Output.objects.filter(id__in=ids).update(archive_retry_at=now + SWEEP_LEASE)
    for output_id in ids:
        async_task("jobs.tasks.archive_output", output_id)
    return ids


def storage_stats(user) -> dict:
    """What the user's archive holds, counting a file shared by several outputs once."""
    files = (
        Output.objects.filter(owner=user, archive_state=ArchiveState.ARCHIVED)
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


def media_path(relative: str) -> Path | None:
    """The absolute path of an archived file, or None if `relative` would leave MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / relative).resolve()
    return target if relative and target.is_relative_to(root) else None


# --- state changes ---------------------------------------------------------------------------------


def _record_archived(output, relative, size, sha256, fmt) -> str | None:
    output.file, output.size, output.sha256, output.content_type = relative, size, sha256, fmt.content_type
    output.archive_state, output.archive_error, output.archive_retry_at = ArchiveState.ARCHIVED, "", None
    output.archived_at = timezone.now()
    fields = ["file", "size", "sha256", "content_type", "archive_state", "archive_error", "archive_retry_at", "archived_at"]
    if not Output.objects.filter(pk=output.pk).update(**{name: getattr(output, name) for name in fields}):
        delete_output_files([output])  # the output was deleted while it downloaded: drop an orphan file
        return None
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
    return timezone.now() + timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempts - 1))


# --- checks ------------------------------------------------------------------------------------------


def _listed(host: str, port: int, default_port: int, entries) -> bool:
    """Entries are `host` (the scheme's default port only) or `host:port`."""
    for entry in entries:
        listed = urlsplit(f"//{entry.strip().lower()}")
        try:
            listed_port = listed.port
        except ValueError:
            continue
        if listed.hostname == host and (listed_port or default_port) == port:
            return True
    return False


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    port: int
    insecure_ok: bool  # listed in MEDIA_INSECURE_HOSTS: plain http and private addresses allowed


def _check_url(url: str) -> _Origin:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ArchiveError(f"Refused {scheme or 'a schemeless'} link: only http(s) downloads are allowed.")
    try:
        port = parts.port
    except ValueError:
        raise ArchiveError("Refused a link with an invalid port.") from None
    if not parts.hostname:
        raise ArchiveError("Refused a link without a host.")
    if parts.username or parts.password:
        raise ArchiveError("Refused a link with credentials in it.")
    default_port = 443 if scheme == "https" else 80
    origin = _Origin(
        scheme,
        parts.hostname,
        port or default_port,
        _listed(parts.hostname, port or default_port, default_port, settings.MEDIA_INSECURE_HOSTS),
    )
    if not _listed(origin.host, origin.port, default_port, settings.MEDIA_ALLOWED_HOSTS):
        raise ArchiveError(f"Refused host {parts.netloc}: it is not in MEDIA_ALLOWED_HOSTS.")
    if scheme == "http" and not origin.insecure_ok:
        raise ArchiveError(f"Refused plain http from {parts.netloc}: only hosts in MEDIA_INSECURE_HOSTS may skip https.")
    return origin


def _non_public_reason(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and (ip.ipv4_mapped or ip.sixtofour or ip.teredo):
        return "an IPv4-mapped or tunnelled address"
    for label, flag in (
        ("an unspecified", ip.is_unspecified),
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a private", ip.is_private),
        ("a multicast", ip.is_multicast),
        ("a reserved", ip.is_reserved),
    ):
        if flag:
            return f"{label} address"
    return None if ip.is_global else "a non-public address"


def _resolve(origin: _Origin) -> str:
    """Resolve once and return the address to connect to; refuse non-public ones unless allowed."""
    try:
        infos = socket.getaddrinfo(origin.host, origin.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TransientError(f"Could not resolve {origin.host}: {error}") from None
    addresses = [info[4][0] for info in infos]
    if not origin.insecure_ok:
        for address in addresses:
            reason = _non_public_reason(address)
            if reason:
                raise ArchiveError(f"Refused {origin.host}: it resolves to {address}, {reason}.")
    return addresses[0]


def _check_declared_type(kind: str, declared: str):
    if declared in GENERIC_CONTENT_TYPES:
        return  # object stores often label everything octet-stream: the magic bytes decide
    if not any(declared in fmt.declared_as for fmt in FORMATS if fmt.kind == kind):
        raise ArchiveError(f"Refused content type {declared!r} for an {kind} output.")


def _sniff(kind: str, head: bytes) -> MediaFormat:
    fitting = [fmt for fmt in FORMATS if fmt.kind == kind]
    for fmt in fitting:
        if fmt.matches(head):
            return fmt
    expected = ", ".join(fmt.ext for fmt in fitting)
    raise ArchiveError(f"The file is not a supported {kind} ({expected}): its first bytes do not match.")


def _declared_type(response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _too_big_message(max_bytes: int) -> str:
    return f"The file is larger than the {max_bytes:,}-byte cap (MEDIA_MAX_BYTES)."


# --- pinned connections ---------------------------------------------------------------------------


class _PinnedConnectionMixin:
    """Connects to the already-checked address; Host header, TLS SNI and certificate use the name."""

    def __init__(self, *args, pinned_address, **kwargs):
        self._pinned_address = pinned_address
        super().__init__(*args, **kwargs)

    def _new_conn(self):
        try:
            return urllib3.util.connection.create_connection(
                (self._pinned_address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as error:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from error
        except OSError as error:
            raise NewConnectionError(self, f"Failed to connect to {self.host}: {error}") from error


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class PinnedAddressAdapter(HTTPAdapter):
    """A requests adapter whose every connection goes to one fixed IP address (one per download)."""

    def __init__(self, address: str):
        self._address = address
        self._pools = {}
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        host_params, tls_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        key = (host_params["scheme"], host_params["host"], host_params["port"])
        if key not in self._pools:
            https = host_params["scheme"] == "https"
            pool_class = _PinnedHTTPSPool if https else _PinnedHTTPPool
            self._pools[key] = pool_class(
                host_params["host"], host_params["port"], pinned_address=self._address, **(tls_kwargs if https else {})
            )
        return self._pools[key]

    def close(self):
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        super().close()


# --- download and storage -------------------------------------------------------------------------


def _download(url: str, kind: str):
    time_limit = getattr(settings, "MEDIA_DOWNLOAD_SECONDS", DEFAULT_DOWNLOAD_SECONDS)
    deadline = time.monotonic() + time_limit
    origin = _check_url(url)
    adapter = PinnedAddressAdapter(_resolve(origin))
    with requests.Session() as session:
        session.trust_env = False  # no proxies (they would bypass the pinned address), no .netrc credentials
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        try:
            with _get_same_origin(session, url, origin, deadline) as response:
                _check_response(response, kind)
                return _receive(response.raw, kind, deadline, time_limit)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            raise TransientError(f"Download failed: {error.__class__.__name__}: {str(error)[:200]}") from None


def _get_same_origin(session, url, origin: _Origin, deadline):
    for _ in range(MAX_REDIRECTS + 1):
        remaining = max(0.1, deadline - time.monotonic())
        response = session.get(
            url,
            stream=True,
            allow_redirects=False,
            timeout=(min(CONNECT_TIMEOUT_SECONDS, remaining), min(READ_TIMEOUT_SECONDS, remaining)),
            headers={"Accept-Encoding": "identity", "User-Agent": "NetMind-Console-Archive/1"},
        )
        if not response.is_redirect:
            return response
        response.close()
        url = urljoin(url, response.headers["Location"])
        target = urlsplit(url)
        default_port = 443 if target.scheme == "https" else 80
        try:
            same = (target.scheme, target.hostname, target.port or default_port) == (origin.scheme, origin.host, origin.port)
        except ValueError:
            same = False
        if not same:
            raise ArchiveError(f"Refused a redirect to another host or scheme ({target.scheme}://{target.netloc}).")
    raise ArchiveError(f"Refused: more than {MAX_REDIRECTS} redirects.")


def _check_response(response, kind: str):
    if response.status_code in EXPIRED_STATUSES:
        raise LinkExpired(f"The link expired before it was copied (HTTP {response.status_code}).")
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"The file server answered HTTP {response.status_code}.")
    if response.status_code != 200:
        raise ArchiveError(f"The file server answered HTTP {response.status_code}.")
    _check_declared_type(kind, _declared_type(response))
    length = response.headers.get("Content-Length", "")
    max_bytes = settings.MEDIA_MAX_BYTES
    if length.isdigit() and int(length) > max_bytes:
        raise ArchiveError(_too_big_message(max_bytes))


def _receive(raw, kind: str, deadline: float, time_limit: float):
    """Stream the body into a temp file, checking size, time and magic bytes as it arrives."""
    max_bytes = settings.MEDIA_MAX_BYTES
    with _TempFile() as temp:
        head = b""
        fmt = None
        while chunk := raw.read1(CHUNK_BYTES, decode_content=False):
            if time.monotonic() > deadline:
                raise TransientError(f"The download took longer than {time_limit:g} s.")
            temp.write(chunk)
            if temp.size > max_bytes:
                raise ArchiveError(_too_big_message(max_bytes))
            if fmt is None and len(head) < SNIFF_BYTES:
                head += chunk[:SNIFF_BYTES]
                if len(head) >= SNIFF_BYTES:
                    fmt = _sniff(kind, head)  # refuse an HTML page before downloading all of it
        fmt = fmt or _sniff(kind, head)
        return temp.place(fmt), temp.size, temp.sha256, fmt


def _ingest(path: Path, kind: str):
    max_bytes = settings.MEDIA_MAX_BYTES
    try:
        with path.open("rb") as source, _TempFile() as temp:
            head = source.read(SNIFF_BYTES)
            fmt = _sniff(kind, head)
            chunk = head
            while chunk:
                temp.write(chunk)
                if temp.size > max_bytes:
                    raise ArchiveError(_too_big_message(max_bytes))
                chunk = source.read(CHUNK_BYTES)
            return temp.place(fmt), temp.size, temp.sha256, fmt
    except OSError as error:
        raise ArchiveError(f"Could not store the result file: {error.strerror or error}.") from None


class _TempFile:
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
