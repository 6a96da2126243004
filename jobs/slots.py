"""A provider account's concurrency cap: at most `concurrency_cap` of its jobs in flight at the provider at once
(submitting, queued, running, or unknown: maybe there). The others wait `pending`, "waiting for a slot".

A slot is taken by the conditional update that moves a job from pending to submitting, made while holding the
account's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions hold the whole database):
the count of jobs in flight and the claim are one decision, whatever number of workers and clusters make it.
A job gives its slot back when it leaves those states, and the freed slot is offered at once to the account's
oldest waiting job (`fill`); the sweep offers every account's free slots again, for a hand-off a lost task missed.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import IN_FLIGHT_STATES, BatchState, Job, JobState
from netmind_console.accounts.models import ProviderAccount
from netmind_console.core.claims import unclaimed
from netmind_console.core.queue import enqueue

# A stamp older than this asked for work whose task was lost (a dead worker's): the work is asked again.
STALE_CLAIM = timedelta(seconds=settings.Q_CLUSTER["retry"])


def in_flight(account_id: int) -> int:
    return Job.objects.filter(account_id=account_id, state__in=IN_FLIGHT_STATES).count()


def waiting_reason(account: ProviderAccount) -> str:
    return f"Waiting for a slot: {account.label} sends at most {account.concurrency_cap} at once."


def take(job: Job) -> bool:
    """Move `job` from pending to submitting if its account has a free slot (and its batch is not paused).

    False when another worker moved it first, or when no slot is free: then the job is marked waiting and
    its claim stamp is answered, so the next freed slot (or the sweep) offers it again.
    """
    if job.account_id is None:  # the account was removed: nothing will be sent, submission fails the job
        return _claim(job)
    with transaction.atomic():
        account = ProviderAccount.objects.select_for_update().filter(pk=job.account_id).order_by().first()
        if account is None:
            return _claim(job)
        if in_flight(account.pk) < account.concurrency_cap:
            return _claim(job)
        Job.objects.filter(pk=job.pk, state=JobState.PENDING).update(
            sync_requested_at=None, waiting_reason=waiting_reason(account))
        return False


def _claim(job: Job) -> bool:
    sendable = Job.objects.filter(pk=job.pk, state=JobState.PENDING).exclude(batch__state=BatchState.PAUSED)
    return bool(sendable.update(state=JobState.SUBMITTING, submit_started_at=timezone.now(),
                                attempts=F("attempts") + 1, retry_at=None, waiting_reason=""))


def waiting(now=None):
    """Pending jobs that may be sent now: not waiting out a retry, not in a paused batch."""
    now = now or timezone.now()
    return (Job.objects.filter(state=JobState.PENDING).filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .exclude(batch__state=BatchState.PAUSED))


def fill(account_id: int, now=None) -> int:
    """Ask a send for as many of the account's waiting jobs, oldest first, as it has free slots; how many.

    The jobs asked for are stamped (`sync_requested_at`), so a second fill before their sends run asks for the
    next ones instead, and a stamp older than STALE_CLAIM (its task was lost) is asked again.
    """
    now = now or timezone.now()
    account = ProviderAccount.objects.filter(pk=account_id).values("concurrency_cap").first()
    if account is None:
        return 0
    free = account["concurrency_cap"] - in_flight(account_id)
    if free <= 0:
        return 0
    candidates = (waiting(now).filter(account_id=account_id)
                  .filter(unclaimed("sync_requested_at", now, STALE_CLAIM, answered_by="submit_started_at"))
                  .order_by("created_at", "id"))
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
