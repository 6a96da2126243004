"""Watching the jobs in flight of accounts whose other jobs wait for a slot.

A waiting job's turn comes when an in-flight job of its account is seen final; unwatched, that is the minute
sweep's business, which would make a batch of 200 jobs at a cap of 4 take 50 sweeps. So while any job waits for
a slot, one watcher (for the whole console: one task, holding one worker) syncs the in-flight jobs of those
accounts every CONSOLE_BUSY_SWEEP_SECONDS (every half second while its rounds see jobs finish) and offers the
freed slots. A lease in the shared cache (the database's on the embedded default, Redis scaled out) keeps it to
one; a watcher that dies with its worker lets its lease lapse, and the next job refused a slot (or the minute
sweep) starts another.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from jobs import slots, sweeps
from jobs.models import Job
from jobs.slots import WATCHER_LEASE_KEY, WATCHER_LEASE_SECONDS
from netmind_console.core.queue import enqueue

ROUND_SECONDS = settings.CONSOLE_BUSY_SWEEP_SECONDS
FASTEST_ROUND_SECONDS = min(0.5, ROUND_SECONDS)
# One task's share of the worker: then the watcher hands on to a fresh task (and the task timeout never hits it).
TASK_SECONDS = settings.CONSOLE_TASK_TIMEOUT / 2


def watch(token: str):
    """Rounds until no job waits for a slot (the lease is then released), another watcher holds the lease (two
    started while it lapsed: the last to write it stays), or this task's share is spent: the next task then
    carries the lease on."""
    started, pause = time.monotonic(), ROUND_SECONDS
    while time.monotonic() - started < TASK_SECONDS:
        if cache.get(WATCHER_LEASE_KEY) not in (None, token):
            return
        busy = slots.accounts_with_waiting_jobs()
        if not busy:
            cache.delete(WATCHER_LEASE_KEY)
            return
        cache.set(WATCHER_LEASE_KEY, token, timeout=WATCHER_LEASE_SECONDS)
        round_started = timezone.now()
        sweeps.sync_in_flight(busy)
        for account_id in busy:
            slots.fill(account_id)
        time.sleep(pause)
        pause = _next_pause(pause, finished=Job.objects.filter(account_id__in=busy,
                                                               finished_at__gte=round_started).exists())
    cache.set(WATCHER_LEASE_KEY, token, timeout=WATCHER_LEASE_SECONDS)
    enqueue("jobs.tasks.watch_slots", token)


def _next_pause(pause: float, finished: bool) -> float:
    """Shorter while rounds see jobs finish (short jobs: a slot idles less), longer while they see none (long
    jobs: fewer provider calls), between FASTEST_ROUND_SECONDS and CONSOLE_BUSY_SWEEP_SECONDS."""
    return max(FASTEST_ROUND_SECONDS, pause / 2) if finished else min(ROUND_SECONDS, pause * 2)
