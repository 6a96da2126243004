"""Sweeping the active jobs while nobody watches: recover work a lost task would strand, then sync the
running jobs, one list call per account where that costs less than a GET per active job (read_costs.py).

Every worker's cluster may run a sweep. A sweep claims the rows it asks work for: it stamps
`sync_requested_at` (the stamp a watching page sets too) while holding them with SELECT ... FOR UPDATE
SKIP LOCKED, so concurrent sweeps split the rows instead of queuing each twice, and a row whose task is
still queued is not asked again. The stamp is answered once the work has visibly happened (the row was
synced, or its send was attempted); a stamp older than STALE_CLAIM means the task was lost with a dead
worker (the Redis broker keeps no copy of a task in flight), and the row is claimed again. A row asked for less
than a second ago (a watching page's sync, say) waits for the next sweep: no job is read more than once a second.
"""

import logging
import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from jobs import read_costs, slots
from jobs.adapters import ADAPTERS, RemoteSnapshot
from jobs.lifecycle import apply_snapshot, transition
from jobs.models import TERMINAL_STATES, Job, JobInputFile, JobState
from jobs.slots import STALE_CLAIM
from jobs.sync import WATCHED_SYNC_INTERVAL
from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import client_for_account
from netmind_console.clients import errors
from netmind_console.core import schedules
from netmind_console.core.claims import unclaimed
from netmind_console.core.queue import enqueue

log = logging.getLogger(__name__)

UNQUEUED_GRACE = timedelta(seconds=10)
LIST_SWEEP_THRESHOLD = 5  # until a list call was measured: with this many active jobs, one list call beats a GET each
LIST_SWEEP_BUDGET_SECONDS = settings.CONSOLE_TASK_TIMEOUT / 2  # then the rest waits for the next sweep
UPDATE_BATCH = 500  # ids per UPDATE: SQLite caps the parameters of one statement
UNKNOWN_RECHECK = timedelta(seconds=min(schedules.SWEEP_SECONDS, 60) / 2)  # reconcile once per sweep
# A job that just finished has its input files' delete queued already (lifecycle.py): the sweep leaves it this long.
INPUT_DELETE_GRACE = timedelta(seconds=30)


def sweep_active_jobs(now=None):
    """Recover stranded work, then sync running jobs: list calls when many."""
    now = now or timezone.now()
    _recover_stranded_jobs(now)
    sync_in_flight(now=now)


def _recover_stranded_jobs(now):
    """Re-derive from the rows what a lost task would strand: due sends, dead workers' sends, unknown creates."""
    # Waiting jobs are offered the free slots of their account; those whose account was removed are sent to
    # fail with the reason.
    for account_id in slots.accounts_with_waiting_jobs(now):
        slots.fill(account_id, now)
    orphans = slots.waiting(now).filter(account=None, created_at__lt=now - UNQUEUED_GRACE)
    for (pk,) in _claim(orphans.filter(_not_asked(now, STALE_CLAIM, answered_by="submit_started_at")), now):
        enqueue("jobs.tasks.submit_job", pk)
    # A worker died mid-submit: whether the POST left is unknown, so reconcile rather than resend.
    for job in Job.objects.filter(state=JobState.SUBMITTING, submit_started_at__lt=now - STALE_CLAIM):
        if transition(job, [JobState.SUBMITTING], JobState.UNKNOWN, "The worker stopped while sending"):
            enqueue("jobs.tasks.reconcile_job", job.pk)
    unknown = Job.objects.filter(state=JobState.UNKNOWN).filter(_not_asked(now, UNKNOWN_RECHECK))
    for (pk,) in _claim(unknown, now):
        enqueue("jobs.tasks.reconcile_job", pk)


def _not_asked(now, lost_after: timedelta, answered_by: str | None = None) -> Q:
    """Rows nobody asked work for, whose asked-for work has happened since, or whose task looks lost."""
    return unclaimed("sync_requested_at", now, lost_after, answered_by)


def _claim(rows, now, fields=("pk",)) -> list[tuple]:
    """Stamp the rows as asked for and return their `fields`; rows another sweep holds are skipped, not awaited."""
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        claimed = list(rows.values_list(*fields))
        _bulk_update([row[0] for row in claimed], sync_requested_at=now)
    return claimed


def sync_in_flight(account_ids=None, now=None):
    """Ask a sync of each queued or running job (of `account_ids` only, if given) whose last one was answered."""
    now = now or timezone.now()
    running = Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).exclude(remote_id="")
    if account_ids is not None:
        running = running.filter(account_id__in=account_ids)
    recently_asked = Q(sync_requested_at__gt=now - WATCHED_SYNC_INTERVAL)
    claimed = _claim(running.filter(_not_asked(now, STALE_CLAIM, answered_by="last_synced_at")).exclude(recently_asked),
                     now, fields=("pk", "account_id", "adapter"))
    per_account = defaultdict(list)
    for pk, account_id, adapter in claimed:
        per_account[account_id, adapter].append(pk)
    uuids = dict(ProviderAccount.objects.filter(pk__in={account_id for account_id, _ in per_account})
                 .values_list("pk", "uuid"))
    for (account_id, adapter), pks in per_account.items():
        if account_id in uuids and prefers_list(uuids[account_id], adapter, len(pks)):
            enqueue("jobs.tasks.sync_account_jobs", account_id, adapter)
        else:
            for pk in pks:
                enqueue("jobs.tasks.sync_job", pk)


def prefers_list(account_uuid, adapter: str, active: int) -> bool:
    """One list call rather than `active` GETs: when the last list cost no more than that many GETs would (its
    seconds against a typical GET's); until a list was measured, once LIST_SWEEP_THRESHOLD jobs are active."""
    if not ADAPTERS[adapter].supports_list:
        return False
    cost = read_costs.estimate(account_uuid, adapter)
    if cost is None:
        return active >= LIST_SWEEP_THRESHOLD
    return active * cost.get_seconds >= cost.list_seconds


def sync_account_jobs(account_id: int, adapter_name: str):
    """One list call for all of an account's active jobs of one kind; work bounded to fit one task.

    Unchanged jobs are answered with one UPDATE. Changed ones are applied until half the task's time is
    spent; the rest are released for the next sweep. Jobs the list does not show (an older page of Haiper
    jobs, say) are synced one by one, so none waits for a sweep that cannot see it.
    """
    started = time.monotonic()
    active = Job.objects.select_related("account").filter(
        account_id=account_id, adapter=adapter_name, state__in=[JobState.QUEUED, JobState.RUNNING])
    jobs = {job.remote_id: job for job in active}
    if not jobs:
        return
    account = next(iter(jobs.values())).account
    try:
        with client_for_account(account) as client, read_costs.measured(client) as cost:
            remote_jobs = ADAPTERS[adapter_name].list_remote(client)
    except errors.ProviderError as error:
        log.info("List sweep for account %s postponed: %s", account_id, error)
        active.update(last_synced_at=timezone.now())  # answered, as a failed GET is: the next sweep tries again
        return
    except Exception:  # each job's own sync then fails it with the reason, or counts it against its limit
        log.exception("List sweep for account %s failed unexpectedly; syncing its jobs one by one", account_id)
        for job in jobs.values():
            enqueue("jobs.tasks.sync_job", job.pk)
        return
    read_costs.remember_list(account.uuid, adapter_name, cost, len(remote_jobs))
    log.info("List sweep for account %s: %d jobs listed, %d bytes in %.2f s", account_id, len(remote_jobs),
             cost.bytes, cost.seconds)
    seen = {snapshot.remote_id: snapshot for snapshot in remote_jobs if snapshot.remote_id in jobs}
    changed, unchanged = [], []
    for remote_id, snapshot in seen.items():
        job = jobs[remote_id]
        if _changes(job, snapshot):
            changed.append((job, snapshot))
        else:
            unchanged.append(job.pk)
    _bulk_update(unchanged, last_synced_at=timezone.now())
    for position, (job, snapshot) in enumerate(changed):
        if time.monotonic() - started > LIST_SWEEP_BUDGET_SECONDS:
            _bulk_update([job.pk for job, _ in changed[position:]], sync_requested_at=None)
            break
        apply_snapshot(job, snapshot)
    for remote_id in jobs.keys() - seen.keys():
        enqueue("jobs.tasks.sync_job", jobs[remote_id].pk)


def _changes(job: Job, snapshot: RemoteSnapshot) -> bool:
    """Whether applying the snapshot would change anything but the time of the last sync."""
    return (snapshot.state != job.state or snapshot.raw_status[:100] != job.raw_status
            or (snapshot.seed is not None and snapshot.seed != job.seed)
            or (snapshot.credit_cost is not None and snapshot.credit_cost != job.credit_cost))


def _bulk_update(pks: list[int], **fields):
    for start in range(0, len(pks), UPDATE_BATCH):
        Job.objects.filter(pk__in=pks[start:start + UPDATE_BATCH]).update(**fields)


def input_file_deletes_due(now=None) -> list[int]:
    """Final jobs with files still at the provider whose delete is due: never tried (its task was lost) once the
    job has been final a while, or failed before and due again. Files given up on (no retry time) are left."""
    now = now or timezone.now()
    due = Q(delete_attempts=0, job__finished_at__lt=now - INPUT_DELETE_GRACE) | Q(delete_retry_at__lte=now)
    rows = JobInputFile.objects.filter(due, deleted_at=None, job__state__in=TERMINAL_STATES).exclude(remote_file_id="")
    return sorted(set(rows.values_list("job_id", flat=True)))
