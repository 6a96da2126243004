"""A provider account's concurrency cap: at most `concurrency_cap` of its jobs in flight at the provider at once
(submitting, queued, running, or unknown: maybe there). The others wait `pending`, "waiting for a slot".

A slot is taken by the conditional update that moves a job from pending to submitting, made while holding the
account's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions hold the whole database):
the count of jobs in flight and the claim are one decision, whatever number of workers and clusters make it.
A job gives its slot back when it leaves those states, and the freed slot is offered at once to the account's
oldest waiting job (`fill`); the sweep offers every account's free slots again, for a hand-off a lost task missed.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.conf import Conf

from jobs.models import IN_FLIGHT_STATES, Batch, BatchState, Job, JobState
from netmind_console.accounts.models import ProviderAccount
from netmind_console.core.claims import unclaimed
from netmind_console.core.queue import enqueue

# A stamp older than this asked for work whose task was lost (a dead worker's): the work is asked again.
STALE_CLAIM = timedelta(seconds=settings.Q_CLUSTER["retry"])
# The watcher of jobs in flight while others wait (slot_watch.py): one for the console, held by this lease.
WATCHER_LEASE_KEY = "jobs:slot-watcher"
WATCHER_LEASE_SECONDS = settings.CONSOLE_BUSY_SWEEP_SECONDS * 5  # a dead watcher's lease lapses this soon


def in_flight(account_id: int) -> int:
    return Job.objects.filter(account_id=account_id, state__in=IN_FLIGHT_STATES).count()


def waiting_reason(account: ProviderAccount) -> str:
    return f"Waiting for a slot: {account.label} sends at most {account.concurrency_cap} at once."


def take(job: Job) -> bool:
    """Move `job` from pending to submitting if its account has a free slot (and its batch is not paused).

    False when another worker moved it first, or when no slot is free: then the job is marked waiting and
    its claim stamp is answered, so the next freed slot (or the sweep) offers it again.
    """
    with transaction.atomic():
        account = (ProviderAccount.objects.select_for_update().filter(pk=job.account_id).order_by().first()
                   if job.account_id else None)  # none: removed, so nothing is sent and submission fails the job
        free = account is None or in_flight(account.pk) < account.concurrency_cap
        if free and _claim(job):
            return True
        # Not sent now (no slot, or its batch is paused): answer the stamp, so the next offer is not held back.
        waiting = {} if free else {"waiting_reason": waiting_reason(account)}
        Job.objects.filter(pk=job.pk, state=JobState.PENDING).update(sync_requested_at=None, **waiting)
    if not free:
        ensure_watching()
    return False


def _claim(job: Job) -> bool:
    # The paused check as a subquery on batch_id: a join (`batch__state`) makes Django's UPDATE a `WHERE id IN
    # (SELECT ...)`, whose state check PostgreSQL does not re-check on a row another worker has just claimed.
    paused = Batch.objects.filter(state=BatchState.PAUSED).values("pk")
    sendable = Job.objects.filter(pk=job.pk, state=JobState.PENDING).exclude(batch__in=paused)
    return bool(sendable.update(state=JobState.SUBMITTING, submit_started_at=timezone.now(),
                                attempts=F("attempts") + 1, retry_at=None, waiting_reason=""))


def waiting(now=None):
    """Pending jobs that may be sent now: not waiting out a retry, not in a paused batch."""
    now = now or timezone.now()
    # A subquery, not a join: `batch__state` would LEFT JOIN the batch, and PostgreSQL refuses the FOR UPDATE that
    # fill and the sweep take on these rows ("cannot be applied to the nullable side of an outer join").
    paused = Batch.objects.filter(state=BatchState.PAUSED).values("pk")
    return (Job.objects.filter(state=JobState.PENDING).filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .exclude(batch__in=paused))


def fill(account_id: int, now=None) -> int:
    """Ask a send for as many of the account's waiting jobs, oldest first, as it has free slots; how many.

    The jobs asked for are stamped (`sync_requested_at`) and hold their slots until their sends run: a second fill
    meanwhile (the next sweep, another job finishing) asks for no more than the slots still free, so a backlog of
    sends never outgrows the cap however long the queue. A stamp older than STALE_CLAIM (its task was lost) frees
    its slot, and the job is asked again.
    """
    now = now or timezone.now()
    account = ProviderAccount.objects.filter(pk=account_id).values("concurrency_cap").first()
    if account is None:
        return 0
    mine = waiting(now).filter(account_id=account_id)
    not_asked = unclaimed("sync_requested_at", now, STALE_CLAIM, answered_by="submit_started_at")
    free = account["concurrency_cap"] - in_flight(account_id) - mine.exclude(not_asked).count()
    if free <= 0:
        return 0
    candidates = mine.filter(not_asked).order_by("created_at", "id")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        asked = list(candidates.values_list("pk", flat=True)[:free])
        Job.objects.filter(pk__in=asked).update(sync_requested_at=now)
    for pk in asked:
        enqueue("jobs.tasks.submit_job", pk)
    return len(asked)


def accounts_with_waiting_jobs(now=None) -> list[int]:
    return list(waiting(now).exclude(account=None).order_by().values_list("account_id", flat=True).distinct())


def ensure_watching():
    """Start the watcher of jobs in flight (slot_watch.py) unless one runs. Not with one worker per cluster (it
    would hold it; the minute sweep serves), nor with tasks run in the caller's process (django-q2's sync mode,
    in tests: no worker to lend, and every sync runs when asked)."""
    if Conf.SYNC or Conf.WORKERS < 2:
        return
    token = uuid.uuid4().hex
    if cache.add(WATCHER_LEASE_KEY, token, timeout=WATCHER_LEASE_SECONDS):
        enqueue("jobs.tasks.watch_slots", token)
