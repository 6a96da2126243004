"""Whether the hosts share media: every worker process leaves a marker in the media storage, and a web process
(or another worker) checks that it can read the markers of the live workers.

A worker on a second host with MEDIA_ROOT on its own disk archives files the web host cannot serve; without
markers the gallery would show broken media and nothing would say why. A marker is a row (MediaMarker) and a
small file `workers/<name>-<nonce>.json` in the media storage. The nonce is drawn when the process starts, so
a file of that name is this very process's, never a namesake's (a pid reused on the host, a copied disk), and
no marker file is ever overwritten: a reader never catches one half-replaced.

Worker processes mark when they start (django-q2's post_spawn, through services.on_worker_start) and, at most
once a minute, before they run a task (pre_execute): every worker that archives keeps a live marker, though the
heartbeat schedule runs on one cluster only. /healthz, the dashboard, the job page and the worker's start-up log
read them.
"""

import json
import logging
import os
import secrets
import socket
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.utils import timezone
from django_q.signals import pre_execute

from netmind_console.core.models import HEARTBEAT_STALE_AFTER, MediaMarker

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 60
# A marker once found is taken as readable this long: /healthz is public and polled, and on an object store each
# marker costs a request. A marker not found is looked for again at every check, so a fix shows at once.
FOUND_FOR_SECONDS = 30
NOT_SHARED_HELP = ("Put MEDIA_ROOT on a volume every host mounts, or use an object store for media "
                   "(README, Deployment).")


class _ThisWorker:
    """The marker of this process: empty until django-q2 starts it as a worker."""

    name = ""
    nonce = ""
    marked_at = 0.0


_found_at: dict[str, float] = {}  # marker file -> when this process last found it


def marker_file(name: str, nonce: str) -> str:
    return f"workers/{name}-{nonce}.json"


def mark_this_worker():
    """At a worker process's start (services.on_worker_start): its marker, and a warning if it cannot read others'."""
    _ThisWorker.name = f"{socket.gethostname()}-{os.getpid()}"
    _ThisWorker.nonce = secrets.token_hex(16)
    try:
        _write_marker()
        warn_if_not_shared()
    except Exception:  # a worker that cannot mark still runs its tasks: /healthz shows what is wrong
        logger.exception("This worker could not leave its marker in the media storage")


def on_task(sender, **kwargs):
    if not _ThisWorker.nonce or time.monotonic() - _ThisWorker.marked_at < REFRESH_SECONDS:
        return
    try:
        refresh()
    except Exception:
        logger.exception("This worker could not refresh its media marker")


def refresh():
    mine = MediaMarker.objects.filter(name=_ThisWorker.name, nonce=_ThisWorker.nonce)
    if not mine.update(seen_at=timezone.now()):
        _write_marker()  # forgotten as stale while this worker stood idle: its file went with the row
    _ThisWorker.marked_at = time.monotonic()


def _write_marker():
    """The file first, then the row: a reader never finds a live row without its file."""
    host = socket.gethostname()
    content = json.dumps({"host": host, "pid": os.getpid(), "nonce": _ThisWorker.nonce})
    default_storage.save(marker_file(_ThisWorker.name, _ThisWorker.nonce), ContentFile(content.encode()))
    earlier = MediaMarker.objects.filter(name=_ThisWorker.name).exclude(nonce=_ThisWorker.nonce).first()
    MediaMarker.objects.update_or_create(name=_ThisWorker.name, defaults={
        "host": host, "nonce": _ThisWorker.nonce, "seen_at": timezone.now()})
    if earlier:  # a process of this host that had the same pid
        default_storage.delete(marker_file(earlier.name, earlier.nonce))
    _ThisWorker.marked_at = time.monotonic()
    forget_stale()


def forget_stale():
    """Rows and files of workers gone quiet. A row is deleted only while still stale, and its file only then:
    a worker that refreshes meanwhile keeps both."""
    cutoff = timezone.now() - HEARTBEAT_STALE_AFTER
    for marker in MediaMarker.objects.filter(seen_at__lt=cutoff):
        deleted, _ = MediaMarker.objects.filter(pk=marker.pk, seen_at__lt=cutoff).delete()
        if deleted:
            default_storage.delete(marker_file(marker.name, marker.nonce))


def unreadable_hosts(exclude: str = "") -> list[str] | None:
    """Hosts of live workers whose markers this process cannot read: their media is not this process's media.
    [] when it reads them all; None when no worker is live (nothing to compare with)."""
    live = MediaMarker.objects.filter(seen_at__gte=timezone.now() - HEARTBEAT_STALE_AFTER)
    markers = list(live.exclude(name=exclude))
    if not markers:
        return None
    files = {marker.name: marker_file(marker.name, marker.nonce) for marker in markers}
    for gone in set(_found_at) - set(files.values()):
        _found_at.pop(gone, None)  # another thread of this web process may have forgotten it already
    return sorted({marker.host for marker in markers if not _can_read(files[marker.name])})


def _can_read(name: str) -> bool:
    now = time.monotonic()
    if now - _found_at.get(name, float("-inf")) < FOUND_FOR_SECONDS:
        return True
    try:
        found = default_storage.exists(name)
    except Exception:  # an object store that refuses or fails: this process cannot read the marker either
        found = False
    if found:
        _found_at[name] = now
    return found


def warn_if_not_shared():
    hosts = unreadable_hosts(exclude=_ThisWorker.name)
    if hosts:
        logger.warning("Media is not shared: this worker on %s cannot read the media markers of the workers on %s, "
                       "so web hosts cannot serve every archived file. %s",
                       socket.gethostname(), ", ".join(hosts), NOT_SHARED_HELP)


def _forget_found(setting, **kwargs):
    if setting in ("STORAGES", "MEDIA_ROOT"):  # tests change the storage under a running process
        _found_at.clear()


def connect():
    pre_execute.connect(on_task, dispatch_uid="netmind_console.media_marker_on_task")
    setting_changed.connect(_forget_found, dispatch_uid="netmind_console.media_markers_forget_found")
