"""Health of the processes the console depends on, for /healthz and the dashboard."""

import hmac
import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from netmind_console.clients.health import answers_health_check
from netmind_console.core import media_markers
from netmind_console.core.models import HEARTBEAT_STALE_AFTER, WorkerHeartbeat

logger = logging.getLogger(__name__)


def record_heartbeat():
    WorkerHeartbeat.objects.update_or_create(name=settings.Q_CLUSTER["name"], defaults={"beat_at": timezone.now()})


def on_worker_start(sender, proc_name, **kwargs):
    """django-q2 spawned a process (post_spawn). A worker beats at once: the scheduled heartbeat first runs only
    after the scheduler's first look at its schedules, up to half a minute later, and /healthz said 503 meanwhile.
    And it leaves its media marker."""
    # Tasks run inline (Q_CLUSTER "sync", as in the tests) send the signal from the calling process: no worker.
    if proc_name == "MainProcess":
        return
    try:
        record_heartbeat()
    except DatabaseError:  # the worker still runs; the scheduled heartbeat tries again
        logger.exception("This worker could not record its first heartbeat")
    media_markers.mark_this_worker()


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def broker_ok() -> bool:
    if not settings.REDIS_URL:
        return database_ok()  # the ORM broker lives in the database
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def last_worker_heartbeat():
    beat = WorkerHeartbeat.objects.filter(name=settings.Q_CLUSTER["name"]).first()
    return beat.beat_at if beat else None


def sandbox_reachable() -> bool | None:
    if not settings.CONSOLE_SANDBOX:
        return None
    return answers_health_check(f"{settings.SANDBOX_URL}/_sandbox/health")


def media_shared() -> dict:
    """Whether this process reads the media markers of every live worker (None: no worker has marked yet), and
    the hosts of those it cannot read."""
    hosts = media_markers.unreadable_hosts()
    return {"media_shared": None if hosts is None else not hosts, "media_not_shared_with": hosts or []}


def health() -> dict:
    beat = last_worker_heartbeat()
    worker_ok = beat is not None and timezone.now() - beat < HEARTBEAT_STALE_AFTER
    report = {
        "database": database_ok(),
        "broker": broker_ok(),
        "worker": worker_ok,
        "worker_last_heartbeat": beat.isoformat() if beat else None,
        "sandbox": sandbox_reachable(),
        **media_shared(),
    }
    report["ok"] = (report["database"] and report["broker"] and report["worker"] and report["sandbox"] is not False
                    and report["media_shared"] is not False)
    return report


def may_see_health_detail(request) -> bool:
    """Staff signed in, or `Authorization: Bearer <CONSOLE_HEALTH_TOKEN>` (for a monitor) when one is set."""
    if request.user.is_authenticated and request.user.is_staff:
        return True
    expected = settings.CONSOLE_HEALTH_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())
