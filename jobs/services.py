"""Jobs: submit, sync, reconcile, import and delete. Idempotent; callable from views, tasks and commands.

Every transition is a conditional update (`filter(pk, state=old).update(state=new)`) plus a
JobEvent row, because django-q2 delivers a task at least once and two workers may hold the same id.
"""

import logging
import time
import uuid as uuidlib
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.tasks import async_task

from jobs import catalogue
from jobs.adapters import ADAPTERS, RemoteSnapshot, choose_seed
from jobs.models import ACTIVE_STATES, TERMINAL_STATES, Job, JobEvent, JobState, Output
from netmind_console.accounts.crypto import UndecryptableToken
from netmind_console.accounts.services import client_for_account
from netmind_console.clients import errors
from netmind_console.core import schedules

log = logging.getLogger(__name__)

# Sends, plus unexpected errors (bugs, unforeseen faults) while syncing or reconciling: past this the job fails
# with the reason, instead of cycling through the sweep forever.
MAX_SUBMIT_ATTEMPTS = 8
# A provider's own faults (5xx, 429, dropped connections) are its weather, not the job's: sends they refuse
# or leave unconfirmed are retried with backoff (a minute apart at most) this many times, about 16 minutes.
MAX_SENDS_THROUGH_PROVIDER_FAULTS = 20
WATCHED_SYNC_INTERVAL = timedelta(seconds=1)
STALE_CLAIM = timedelta(seconds=settings.Q_CLUSTER["retry"])
UNQUEUED_GRACE = timedelta(seconds=10)
LIST_SWEEP_THRESHOLD = 5  # with this many active jobs on one account, one list call beats a GET each
LIST_SWEEP_BUDGET_SECONDS = settings.CONSOLE_TASK_TIMEOUT / 2  # then the rest waits for the next sweep
RECONCILE_WINDOW = timedelta(seconds=5)  # clock skew allowed when matching a remote job to an ambiguous create


# ---- creating ---------------------------------------------------------------------------------

def create_job(user, spec: catalogue.ModelSpec, values: dict, compare_group=None, submission_key="") -> Job:
    """Save the job `pending` and queue its submission once the row is committed."""
    adapter = ADAPTERS[spec.adapter]
    seed = choose_seed(values) if spec.has_seed else None
    remote_model, body = adapter.build_request(spec, values, seed)
    with transaction.atomic():
        job = Job.objects.create(
            owner=user, account=values["account"], model_key=spec.key, provider=spec.provider,
            adapter=spec.adapter, remote_model=remote_model, prompt=values["prompt"], seed=seed,
            params=_replayable(values), request_body={"config": body}, compare_group=compare_group,
            submission_key=submission_key,
        )
        if spec.needs_image:
            job.input_file = _store_input(job, values["image"])
            job.save(update_fields=["input_file"])
        JobEvent.objects.create(job=job, to_state=JobState.PENDING, note="Saved")
        transaction.on_commit(lambda: enqueue("submit_job", job.pk))
    return job


def _replayable(values: dict) -> dict:
    """The form's values as JSON, for Run again (files and model instances left out)."""
    skip = {"account", "image", "model"}
    return {key: value for key, value in values.items() if key not in skip}


def _store_input(job: Job, upload) -> str:
    storage = FileSystemStorage(location=settings.MEDIA_ROOT)
    suffix = Path(upload.name).suffix.lower() or ".png"
    return storage.save(f"inputs/{job.uuid}{suffix}", upload)


def enqueue(task_name: str, pk: int):
    async_task(f"jobs.tasks.{task_name}", pk, task_name=f"{task_name}:{pk}:{uuidlib.uuid4().hex[:8]}")


# ---- transitions ------------------------------------------------------------------------------

def transition(job: Job, from_states, to_state: str, note: str = "", **fields) -> bool:
    """Move the job if it is still in one of `from_states`; record the change. False if someone else moved it."""
    now = timezone.now()
    fields = {**_timestamps_for(to_state, job, now), **fields}
    changed = Job.objects.filter(pk=job.pk, state__in=list(from_states)).update(state=to_state, **fields)
    if not changed:
        return False
    if to_state != job.state:
        JobEvent.objects.create(job=job, at=now, from_state=job.state, to_state=to_state, note=note[:500])
    job.refresh_from_db()
    if to_state in TERMINAL_STATES:
        transaction.on_commit(lambda: _announce_finished(job.pk))
    return True


def _announce_finished(job_id: int):
    from jobs import webhooks

    delivery = webhooks.queue_for(Job.objects.get(pk=job_id))
    if delivery:
        enqueue("deliver_webhook", delivery.pk)


def _timestamps_for(state: str, job: Job, now) -> dict:
    if state == JobState.QUEUED and not job.submitted_at:
        return {"submitted_at": now}
    if state == JobState.RUNNING and not job.started_at:
        return {"started_at": now, "submitted_at": job.submitted_at or now}
    if state in TERMINAL_STATES:
        return {"finished_at": now}
    return {}


# ---- submitting -------------------------------------------------------------------------------

def submit_job(job_id: int):
    """Send a pending job. Safe to run twice: only the worker that claims the row sends it."""
    job = Job.objects.filter(pk=job_id).first()
    if not job or job.state != JobState.PENDING or (job.retry_at and job.retry_at > timezone.now()):
        return
    claimed = Job.objects.filter(pk=job.pk, state=JobState.PENDING).update(
        state=JobState.SUBMITTING, submit_started_at=timezone.now(), attempts=F("attempts") + 1, retry_at=None)
    if not claimed:
        return
    JobEvent.objects.create(job=job, from_state=JobState.PENDING, to_state=JobState.SUBMITTING, note="Sending")
    job.refresh_from_db()
    if job.account is None:
        return _fail(job, JobState.SUBMITTING, "The provider account for this job was removed.")
    try:
        client = _client_for(job)
    except CannotPrepare as error:  # nothing was sent: failing now cannot lose or double a remote job
        return _fail(job, JobState.SUBMITTING, str(error))
    try:
        with client:
            snapshot = ADAPTERS[job.adapter].submit(client, job, _incoming_dir())
    except errors.AmbiguousCreate as error:
        if error.answered_in_json and not ADAPTERS[job.adapter].supports_list:
            return _handle_submit_error(job, _as_unprocessed(error))
        transition(job, [JobState.SUBMITTING], JobState.UNKNOWN, error.user_message, waiting_reason=error.user_message)
        return enqueue("reconcile_job", job.pk)
    except errors.ProviderError as error:
        return _handle_submit_error(job, error)
    except Exception as error:  # a bug or an unforeseen fault, maybe after the request left
        return _handle_unexpected_submit_error(job, _unexpected("sending", job, error))
    transition(job, [JobState.SUBMITTING], JobState.QUEUED, "Accepted by the provider",
               remote_id=snapshot.remote_id, waiting_reason="")
    apply_snapshot(job, snapshot)


def _handle_submit_error(job: Job, error: errors.ProviderError):
    if error.retryable and job.attempts < MAX_SENDS_THROUGH_PROVIDER_FAULTS:
        wait = _backoff(job.attempts, getattr(error, "retry_after", None))
        # The sweep (and a watching page) sends it again once retry_at is due.
        transition(job, [JobState.SUBMITTING], JobState.PENDING, f"Will retry: {error.user_message}",
                   retry_at=timezone.now() + wait, waiting_reason=f"Waiting to retry: {error.user_message}")
        return
    _fail(job, JobState.SUBMITTING, _words_for(job, error))


def _handle_unexpected_submit_error(job: Job, reason: str):
    """The request may have reached the provider, so it is never sent again blindly: check first, or give up."""
    if job.attempts >= MAX_SUBMIT_ATTEMPTS:
        return _give_up(job, JobState.SUBMITTING, reason)
    if not ADAPTERS[job.adapter].supports_list:
        return _fail(job, JobState.SUBMITTING, f"{reason}. It may have reached the provider, which offers no way "
                                               "to check, so it was not sent again. Run it again if needed.")
    transition(job, [JobState.SUBMITTING], JobState.UNKNOWN, reason, waiting_reason=reason[:300])
    enqueue("reconcile_job", job.pk)


class CannotPrepare(Exception):
    """The provider client could not be built; nothing was sent. The message is for a person."""


def _client_for(job: Job):
    try:
        return client_for_account(job.account)
    except UndecryptableToken:
        provider = "NetMind" if job.provider == "netmind" else "Apinfer"
        raise CannotPrepare(f"The stored {provider} token cannot be decrypted — enter it again in Settings.") from None
    except Exception as error:
        raise CannotPrepare(_unexpected("preparing the request", job, error)) from None


def _unexpected(doing: str, job: Job, error: Exception) -> str:
    """Log the traceback for whoever fixes it; return the reason the row shows."""
    log.exception("Job %s: unexpected error while %s", job.pk, doing)
    return f"Unexpected error while {doing}: {type(error).__name__}: {error}"[:450]


def _count_unexpected(job: Job, reason: str):
    """Nothing was sent: the sweep tries again later, up to the attempt limit."""
    Job.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1, waiting_reason=reason[:300],
                                         last_synced_at=timezone.now())
    job.refresh_from_db()
    if job.attempts >= MAX_SUBMIT_ATTEMPTS:
        _give_up(job, job.state, reason)


def _give_up(job: Job, from_state: str, reason: str):
    _fail(job, from_state, f"Stopped after {job.attempts} attempts. Last error: {reason}")


def _as_unprocessed(error: errors.AmbiguousCreate) -> errors.ProviderError:
    """Decided (README, Reliability): with no list call to check against, a provider's own JSON 500 is
    taken to mean "not processed" and retried; giving up would fail a job for a fault nearly every time."""
    return errors.ProviderUnavailable(str(error), status_code=error.status_code, retryable=True)


def _backoff(attempt: int, retry_after=None) -> timedelta:
    seconds = min(60, 2 ** attempt)
    if retry_after:
        seconds = max(seconds, min(float(retry_after), 120))
    return timedelta(seconds=seconds)


def _words_for(job: Job, error: errors.ProviderError) -> str:
    provider = "NetMind" if job.provider == "netmind" else "Apinfer"
    if isinstance(error, errors.TokenRejected):
        return f"{provider} rejected the token — update it in Settings."
    return error.user_message


def _fail(job: Job, from_state: str, message: str):
    transition(job, [from_state], JobState.FAILED, message, error_message=message, waiting_reason="")


def _incoming_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- applying what the provider says ------------------------------------------------------------

_FORWARD = {
    JobState.QUEUED: [JobState.SUBMITTING, JobState.UNKNOWN, JobState.QUEUED],
    JobState.RUNNING: [JobState.SUBMITTING, JobState.UNKNOWN, JobState.QUEUED, JobState.RUNNING],
}
_ANY_ACTIVE = [JobState.SUBMITTING, JobState.UNKNOWN, JobState.QUEUED, JobState.RUNNING]


def apply_snapshot(job: Job, snapshot: RemoteSnapshot):
    """Bring the row in step with the remote job: state, raw word, outputs, seed, cost."""
    extra = {"raw_status": snapshot.raw_status[:100], "last_synced_at": timezone.now()}
    if snapshot.seed is not None:
        extra["seed"] = snapshot.seed
    if snapshot.credit_cost is not None:
        extra["credit_cost"] = snapshot.credit_cost
    Job.objects.filter(pk=job.pk).update(**extra)
    job.refresh_from_db()
    state = snapshot.state
    if state in (JobState.QUEUED, JobState.RUNNING):
        transition(job, _FORWARD[state], state, f"Provider says {snapshot.raw_status}", waiting_reason="")
    elif state == JobState.SUCCEEDED:
        with transaction.atomic():
            if transition(job, _ANY_ACTIVE, JobState.SUCCEEDED, f"Provider says {snapshot.raw_status}",
                          waiting_reason=""):
                _record_outputs(job, snapshot)
    elif state in (JobState.FAILED, JobState.CANCELLED):
        message = snapshot.failure_message or f"The provider reports the job {snapshot.raw_status}."
        transition(job, _ANY_ACTIVE, state, message, error_message=message, waiting_reason="")


def _record_outputs(job: Job, snapshot: RemoteSnapshot):
    for position, out in enumerate(snapshot.outputs):
        output, created = Output.objects.get_or_create(
            job=job, position=position,
            defaults={"owner": job.owner, "kind": out.kind, "remote_url": out.url,
                      "remote_thumbnail_url": out.thumbnail_url, "model_key": job.model_key,
                      "provider": job.provider, "created_at": job.finished_at or timezone.now()},
        )
        if created:
            local = str(out.local_path) if out.local_path else None
            transaction.on_commit(lambda pk=output.pk, path=local: _archive_later(pk, path))


def _archive_later(output_id: int, local_path: str | None):
    if local_path:
        async_task("jobs.tasks.ingest_output", output_id, local_path)
    else:
        enqueue("archive_output", output_id)


# ---- syncing ----------------------------------------------------------------------------------

def sync_job(job_id: int):
    job = Job.objects.select_related("account").filter(pk=job_id).first()
    if not job or job.state not in (JobState.QUEUED, JobState.RUNNING) or not job.remote_id or not job.account:
        return
    try:
        with _client_for(job) as client:
            snapshot = ADAPTERS[job.adapter].fetch(client, job, _incoming_dir())
    except CannotPrepare as error:
        return _fail(job, job.state, str(error))
    except errors.NotFound:
        return _fail(job, job.state, "The provider no longer has this job (deleted remotely).")
    except errors.ProviderError as error:
        if not error.retryable:
            return _fail(job, job.state, _words_for(job, error))
        Job.objects.filter(pk=job.pk).update(last_synced_at=timezone.now(),
                                             waiting_reason=f"Waiting to retry: {error.user_message}")
        return
    except Exception as error:
        return _count_unexpected(job, _unexpected("checking on the job", job, error))
    apply_snapshot(job, snapshot)


def request_sync_if_stale(job: Job) -> bool:
    """A page is watching this job: sync it now unless a sync is already under way (deduplicated)."""
    now = timezone.now()
    if job.state == JobState.PENDING and job.retry_at and job.retry_at <= now:
        enqueue("submit_job", job.pk)
        return True
    if job.state not in (JobState.QUEUED, JobState.RUNNING):
        return False
    fresh = now - WATCHED_SYNC_INTERVAL
    claimed = Job.objects.filter(pk=job.pk).filter(
        Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=fresh)).filter(
        Q(sync_requested_at__isnull=True) | Q(sync_requested_at__lt=fresh)).update(sync_requested_at=now)
    if claimed:
        enqueue("sync_job", job.pk)
    return bool(claimed)


# ---- reconciling ambiguous creates --------------------------------------------------------------

def reconcile_job(job_id: int):
    """The create may or may not have happened: adopt the remote job if it exists, else send again."""
    job = Job.objects.select_related("account").filter(pk=job_id, state=JobState.UNKNOWN).first()
    if not job or not job.account:
        return
    adapter = ADAPTERS[job.adapter]
    if not adapter.supports_list:
        message = ("The provider may have run this request but its answer was lost, and it offers no way to "
                   "check. The console did not send it again, so you are not charged twice. Run it again if needed.")
        return _fail(job, JobState.UNKNOWN, message)
    try:
        with _client_for(job) as client:
            remote_jobs = adapter.list_remote(client)
    except CannotPrepare as error:
        return _fail(job, JobState.UNKNOWN, str(error))
    except errors.ProviderError as error:
        Job.objects.filter(pk=job.pk).update(waiting_reason=f"Checking with the provider: {error.user_message}")
        return
    except Exception as error:
        return _count_unexpected(job, _unexpected("checking with the provider", job, error))
    try:
        with transaction.atomic():  # decide and claim in one write transaction: two reconcilers never share a match
            decision = _decide(job, remote_jobs)
    except IntegrityError:  # another job claimed the same remote job first (PostgreSQL); look again next sweep
        return
    if decision == "resend":
        enqueue("submit_job", job.pk)
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
        _give_up(job, JobState.UNKNOWN, job.waiting_reason or "no confirmed answer from the provider")
        return None
    transition(job, [JobState.UNKNOWN], JobState.PENDING, "Not found on the provider: sending again",
               waiting_reason="")
    return "resend"


def _unclaimed_match(job: Job, remote_jobs, known: set) -> RemoteSnapshot | None:
    since = job.submit_started_at - RECONCILE_WINDOW
    candidates = [r for r in remote_jobs if r.remote_id not in known and r.created_at and r.created_at >= since
                  and r.prompt in (None, job.prompt)]  # a remote job that echoes another prompt is someone else's
    return min(candidates, key=lambda r: r.created_at, default=None)


# ---- sweeping (nobody watching) -----------------------------------------------------------------
# Every worker's cluster may run a sweep. A sweep claims the rows it asks work for: it stamps
# `sync_requested_at` (the stamp a watching page sets too) while holding them with SELECT ... FOR UPDATE
# SKIP LOCKED, so concurrent sweeps split the rows instead of queuing each twice, and a row whose task is
# still queued is not asked again. The stamp is answered once the work has visibly happened (the row was
# synced, or its send was attempted); a stamp older than STALE_CLAIM means the task was lost with a dead
# worker (the Redis broker keeps no copy of a task in flight), and the row is claimed again.

UPDATE_BATCH = 500  # ids per UPDATE: SQLite caps the parameters of one statement
UNKNOWN_RECHECK = timedelta(seconds=min(schedules.SWEEP_SECONDS, 60) / 2)  # reconcile once per sweep


def sweep_active_jobs(now=None):
    """Recover stranded work, then sync running jobs: list calls when many."""
    now = now or timezone.now()
    _recover_stranded_jobs(now)
    _sync_running(now)


def _recover_stranded_jobs(now):
    """Re-derive from the rows what a lost task would strand: due sends, dead workers' sends, unknown creates."""
    due_pending = Job.objects.filter(state=JobState.PENDING).filter(
        Q(retry_at__lte=now) | Q(retry_at__isnull=True, created_at__lt=now - UNQUEUED_GRACE))
    unclaimed = due_pending.filter(_unclaimed(now, STALE_CLAIM, answered_by="submit_started_at"))
    for (pk,) in _claim(_not_waiting_in_the_broker(unclaimed), now):
        enqueue("submit_job", pk)
    # A worker died mid-submit: whether the POST left is unknown, so reconcile rather than resend.
    for job in Job.objects.filter(state=JobState.SUBMITTING, submit_started_at__lt=now - STALE_CLAIM):
        if transition(job, [JobState.SUBMITTING], JobState.UNKNOWN, "The worker stopped while sending"):
            enqueue("reconcile_job", job.pk)
    unknown = Job.objects.filter(state=JobState.UNKNOWN).filter(_unclaimed(now, UNKNOWN_RECHECK))
    for (pk,) in _claim(unknown, now):
        enqueue("reconcile_job", pk)


def _not_waiting_in_the_broker(rows):
    """The rows whose task cannot still be in the broker's queue.

    The queue is first in, first out: when it holds N tasks, the N most recently asked-for rows may still
    be among them, so only older rows are sent again. Re-sending every row of a long backlog would only
    make it longer (at 10,000 jobs it grew faster than the workers drained it).
    """
    waiting = get_broker().queue_size()
    if not waiting:
        return rows
    candidates = rows.annotate(asked_at=Coalesce("sync_requested_at", "created_at"))
    lost_at_most = candidates.count() - waiting
    if lost_at_most <= 0:
        return rows.none()
    cutoff = candidates.order_by("asked_at").values_list("asked_at", flat=True)[lost_at_most - 1]
    return candidates.filter(asked_at__lte=cutoff)


def _unclaimed(now, lost_after: timedelta, answered_by: str | None = None) -> Q:
    """Rows nobody asked work for, whose asked-for work has happened since, or whose task looks lost."""
    condition = Q(sync_requested_at__isnull=True) | Q(sync_requested_at__lt=now - lost_after)
    if answered_by:
        condition |= Q(sync_requested_at__lte=F(answered_by))
    return condition


def _claim(rows, now, fields=("pk",)) -> list[tuple]:
    """Stamp the rows as asked for and return their `fields`; rows another sweep holds are skipped, not awaited."""
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        claimed = list(rows.values_list(*fields))
        _bulk_update([row[0] for row in claimed], sync_requested_at=now)
    return claimed


def _sync_running(now):
    running = Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).exclude(remote_id="")
    claimed = _claim(running.filter(_unclaimed(now, STALE_CLAIM, answered_by="last_synced_at")), now,
                     fields=("pk", "account_id", "adapter"))
    per_account = defaultdict(list)
    for pk, account_id, adapter in claimed:
        per_account[account_id, adapter].append(pk)
    for (account_id, adapter), pks in per_account.items():
        if len(pks) >= LIST_SWEEP_THRESHOLD and ADAPTERS[adapter].supports_list:
            async_task("jobs.tasks.sync_account_jobs", account_id, adapter)
        else:
            for pk in pks:
                enqueue("sync_job", pk)


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
        with client_for_account(account) as client:
            remote_jobs = ADAPTERS[adapter_name].list_remote(client)
    except errors.ProviderError as error:
        log.info("List sweep for account %s postponed: %s", account_id, error)
        active.update(last_synced_at=timezone.now())  # answered, as a failed GET is: the next sweep tries again
        return
    except Exception:  # each job's own sync then fails it with the reason, or counts it against its limit
        log.exception("List sweep for account %s failed unexpectedly; syncing its jobs one by one", account_id)
        for job in jobs.values():
            enqueue("sync_job", job.pk)
        return
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
        enqueue("sync_job", jobs[remote_id].pk)


def _changes(job: Job, snapshot: RemoteSnapshot) -> bool:
    """Whether applying the snapshot would change anything but the time of the last sync."""
    return (snapshot.state != job.state or snapshot.raw_status[:100] != job.raw_status
            or (snapshot.seed is not None and snapshot.seed != job.seed)
            or (snapshot.credit_cost is not None and snapshot.credit_cost != job.credit_cost))


def _bulk_update(pks: list[int], **fields):
    for start in range(0, len(pks), UPDATE_BATCH):
        Job.objects.filter(pk__in=pks[start:start + UPDATE_BATCH]).update(**fields)


# ---- deleting and importing ----------------------------------------------------------------------

def delete_job(job: Job) -> str:
    """Delete the remote job (if the provider keeps one), the local files and the row."""
    from jobs import archive

    note = ""
    adapter = ADAPTERS[job.adapter]
    if job.remote_id and job.account and hasattr(adapter, "delete"):
        try:
            with client_for_account(job.account) as client:
                adapter.delete(client, job)
        except errors.NotFound:
            pass
        except errors.ProviderError as error:
            note = f"The provider copy could not be deleted ({error.user_message}); the local copy is gone."
    archive.delete_output_files(list(job.outputs.all()))
    if job.input_file:
        FileSystemStorage(location=settings.MEDIA_ROOT).delete(job.input_file)
    job.delete()
    return note


def import_history(account) -> int:
    """Pull the account's existing remote generations and Haiper jobs in; a second run adds nothing."""
    imported = 0
    with client_for_account(account) as client:
        for adapter_name, model_key in [("generation", catalogue.CUSTOM_KEY), ("haiper_video", "haiper/text2video"),
                                        ("haiper_image", "haiper/text2image")]:
            known = set(Job.objects.filter(account=account, adapter=adapter_name).values_list("remote_id", flat=True))
            for snapshot in ADAPTERS[adapter_name].list_remote(client):
                if snapshot.remote_id not in known:
                    imported += _import_one(account, adapter_name, model_key, snapshot)
    return imported


def _import_one(account, adapter_name, model_key, snapshot: RemoteSnapshot) -> int:
    created_at = snapshot.created_at or timezone.now()
    with transaction.atomic():
        job = Job.objects.create(owner=account.owner, account=account, model_key=model_key, provider="netmind",
                                 adapter=adapter_name, remote_id=snapshot.remote_id, state=JobState.QUEUED,
                                 created_at=created_at, submitted_at=created_at,
                                 prompt="(imported from the provider)")
        JobEvent.objects.create(job=job, at=created_at, to_state=JobState.QUEUED, note="Imported")
        apply_snapshot(job, snapshot)
    return 1


# ---- reading ------------------------------------------------------------------------------------

def jobs_for(user, filters: dict):
    jobs = Job.objects.filter(owner=user).prefetch_related("outputs")
    if filters.get("q"):
        jobs = jobs.filter(prompt__icontains=filters["q"])
    if filters.get("state") == "active":
        jobs = jobs.filter(state__in=ACTIVE_STATES)
    elif filters.get("state"):
        jobs = jobs.filter(state=filters["state"])
    if filters.get("provider"):
        jobs = jobs.filter(provider=filters["provider"])
    if filters.get("model"):
        jobs = jobs.filter(model_key=filters["model"])
    return jobs


def typical_seconds(model_key: str) -> float:
    """How long this model's jobs usually take, from the last finished ones (catalogue guess until then)."""
    recent = Job.objects.filter(model_key=model_key, state=JobState.SUCCEEDED, finished_at__isnull=False) \
        .order_by("-finished_at")[:20].values_list("created_at", "finished_at")
    durations = [(end - start).total_seconds() for start, end in recent]
    if durations:
        return sum(durations) / len(durations)
    spec = catalogue.get(model_key)
    return spec.typical_seconds if spec else 30


def timeline(job: Job) -> list[tuple[JobEvent, float | None]]:
    """The job's events, each with the seconds spent in the state before it."""
    events = list(job.events.all())
    gaps = [None] + [(later.at - earlier.at).total_seconds() for earlier, later in zip(events, events[1:])]
    return list(zip(events, gaps))


def progress_percent(job: Job) -> int:
    if job.state in TERMINAL_STATES:
        return 100
    return min(95, int(100 * job.elapsed_seconds / max(typical_seconds(job.model_key), 1)))


def finished_unnotified(user):
    """Jobs of this user that finished since the last toast; marks them told (claim, so two tabs agree)."""
    jobs = list(Job.objects.filter(owner=user, state__in=TERMINAL_STATES, notified_at__isnull=True)
                .order_by("finished_at")[:5])
    claimed = Job.objects.filter(pk__in=[j.pk for j in jobs], notified_at__isnull=True).update(notified_at=timezone.now())
    return jobs if claimed else []


def storage_stats(user) -> dict:
    from jobs import archive

    return archive.storage_stats(user)


def dashboard_summary(user) -> dict:
    jobs = Job.objects.filter(owner=user)
    counts = jobs.aggregate(active=Count("id", filter=Q(state__in=ACTIVE_STATES)),
                            succeeded=Count("id", filter=Q(state=JobState.SUCCEEDED)),
                            failed=Count("id", filter=Q(state=JobState.FAILED)))
    return {"counts": counts, "recent": jobs.prefetch_related("outputs")[:6],
            "has_accounts": user.provider_accounts.exists()}
