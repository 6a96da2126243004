"""Keeping one job in step with its provider: a sync of a running job, one asked for by a watching page,
and the reconciling of a create whose outcome is unknown (never re-POST blindly: look at the remote jobs first).
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from jobs import read_costs
from jobs.adapters import ADAPTERS, RemoteSnapshot
from jobs.lifecycle import apply_snapshot, count_unexpected, fail, give_up, transition
from jobs.models import Job, JobState
from jobs.provider_calls import (
    CannotPrepare,
    client_for,
    incoming_dir,
    unexpected,
    words_for,
)
from jobs.submission import MAX_SENDS_THROUGH_PROVIDER_FAULTS
from netmind_console.clients import errors
from netmind_console.core.claims import claim_sync
from netmind_console.core.queue import enqueue

WATCHED_SYNC_INTERVAL = timedelta(seconds=1)
# A watching page polls every half interval, each poll a few milliseconds early or late: a claim due within this
# margin is taken, so a watched job is read every second poll (about once a second), not every third.
POLL_JITTER = timedelta(milliseconds=100)
RECONCILE_WINDOW = timedelta(seconds=5)  # clock skew allowed when matching a remote job to an ambiguous create


def sync_job(job_id: int):
    job = Job.objects.select_related("account").filter(pk=job_id).first()
    if not job or job.state not in (JobState.QUEUED, JobState.RUNNING) or not job.remote_id or not job.account:
        return
    adapter = ADAPTERS[job.adapter]
    try:
        with client_for(job) as client, read_costs.measured(client) as cost:
            snapshot = adapter.fetch(client, job, incoming_dir())
    except CannotPrepare as error:
        return fail(job, job.state, str(error))
    except errors.NotFound:
        return fail(job, job.state, "The provider no longer has this job (deleted remotely).")
    except errors.ProviderError as error:
        if not error.retryable:
            return fail(job, job.state, words_for(job, error))
        Job.objects.filter(pk=job.pk).update(last_synced_at=timezone.now(),
                                             waiting_reason=f"Waiting to retry: {error.user_message}")
        return
    except Exception as error:
        return count_unexpected(job, unexpected("checking on the job", job, error))
    apply_snapshot(job, snapshot)
    if adapter.supports_list:  # what a GET costs, against a list call (sweeps.prefers_list)
        read_costs.remember_get(job.account.uuid, job.adapter, cost)


def request_sync_if_stale(job: Job) -> bool:
    """A page is watching this job: sync it unless one was asked for less than a second ago (by any tab or sweep).

    Paced by when syncs were asked for (`sync_requested_at`), not by when the last one was applied: that comes a
    queue hop later, so a poll one interval after the last claim would still find it fresh and skip a second.
    """
    now = timezone.now()
    if job.state == JobState.PENDING and job.retry_at and job.retry_at <= now:
        enqueue("jobs.tasks.submit_job", job.pk)
        return True
    if job.state not in (JobState.QUEUED, JobState.RUNNING):
        return False
    interval = WATCHED_SYNC_INTERVAL - POLL_JITTER
    if job.sync_requested_at and job.sync_requested_at > now - interval:
        return False  # asked for already, as the row was read: a poll that finds nothing new writes nothing
    claimed = claim_sync(job, interval, now)
    if claimed:
        enqueue("jobs.tasks.sync_job", job.pk)
    return claimed


def reconcile_job(job_id: int):
    """The create may or may not have happened: adopt the remote job if it exists, else send again."""
    job = Job.objects.select_related("account").filter(pk=job_id, state=JobState.UNKNOWN).first()
    if not job or not job.account:
        return
    adapter = ADAPTERS[job.adapter]
    if not adapter.supports_list:
        message = ("The provider may have run this request but its answer was lost, and it offers no way to "
                   "check. The console did not send it again, so you are not charged twice. Run it again if needed.")
        return fail(job, JobState.UNKNOWN, message)
    try:
        with client_for(job) as client:
            remote_jobs = adapter.list_remote(client)
    except CannotPrepare as error:
        return fail(job, JobState.UNKNOWN, str(error))
    except errors.ProviderError as error:
        Job.objects.filter(pk=job.pk).update(waiting_reason=f"Checking with the provider: {error.user_message}")
        return
    except Exception as error:
        return count_unexpected(job, unexpected("checking with the provider", job, error))
    try:
        with transaction.atomic():  # decide and claim in one write transaction: two reconcilers never share a match
            decision = _decide(job, remote_jobs)
    except IntegrityError:  # another job claimed the same remote job first (PostgreSQL); look again next sweep
        return
    if decision == "resend":
        enqueue("jobs.tasks.submit_job", job.pk)
    elif decision:
        apply_snapshot(job, decision)


def _decide(job: Job, remote_jobs):
    siblings = list(Job.objects.filter(account=job.account, adapter=job.adapter).exclude(pk=job.pk)
                    .filter(Q(state=JobState.SUBMITTING) | ~Q(remote_id="")).values_list("state", "remote_id"))
    if any(state == JobState.SUBMITTING for state, _ in siblings):
        # A create in flight may already be listed remotely before its own job records it: adopting now
        # could take that job's remote twin. The sweep asks again once nothing is in flight.
        Job.objects.filter(pk=job.pk).update(waiting_reason="Checking with the provider once other sends finish")
        return None
    match = _unclaimed_match(job, remote_jobs, known={remote_id for _, remote_id in siblings})
    if match:
        transition(job, [JobState.UNKNOWN], JobState.QUEUED, "Found on the provider after an unconfirmed create",
                   remote_id=match.remote_id, waiting_reason="")
        return match
    if job.attempts >= MAX_SENDS_THROUGH_PROVIDER_FAULTS:  # sends that never get a confirmed answer stop here
        give_up(job, JobState.UNKNOWN, job.waiting_reason or "no confirmed answer from the provider")
        return None
    transition(job, [JobState.UNKNOWN], JobState.PENDING, "Not found on the provider: sending again",
               waiting_reason="")
    return "resend"


def _unclaimed_match(job: Job, remote_jobs, known: set) -> RemoteSnapshot | None:
    since = job.submit_started_at - RECONCILE_WINDOW
    candidates = [r for r in remote_jobs if r.remote_id not in known and r.created_at and r.created_at >= since
                  and r.prompt in (None, job.prompt)]  # a remote job that echoes another prompt is someone else's
    return min(candidates, key=lambda r: r.created_at, default=None)
