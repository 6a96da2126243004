"""A job's life as the provider reports it: state changes with their event rows, a remote snapshot applied
to the row, and the outputs it announced.

Every change is a conditional update (`filter(pk, state__in=old).update(state=new)`) plus a JobEvent row,
in one transaction, because django-q2 delivers a task at least once and two workers may hold the same id.
"""

import logging
from pathlib import Path

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs import input_files, storage, webhooks
from jobs.adapters import RemoteSnapshot
from jobs.models import IN_FLIGHT_STATES, TERMINAL_STATES, ArchiveState, Job, JobEvent, JobState, Output
from netmind_console.core.queue import enqueue
from netmind_console.core.state_changes import change_with_event

log = logging.getLogger(__name__)

NOT_STAGED = "The result could not be moved into the media storage (the worker's log says why)."
# Sends, plus unexpected errors (bugs, unforeseen faults) while syncing or reconciling: past this the job fails
# with the reason, instead of cycling through the sweep forever.
MAX_SUBMIT_ATTEMPTS = 8

_FORWARD = {
    JobState.QUEUED: [JobState.SUBMITTING, JobState.UNKNOWN, JobState.QUEUED],
    JobState.RUNNING: [JobState.SUBMITTING, JobState.UNKNOWN, JobState.QUEUED, JobState.RUNNING],
}
_ANY_ACTIVE = [JobState.SUBMITTING, JobState.UNKNOWN, JobState.QUEUED, JobState.RUNNING]


def transition(job: Job, from_states, to_state: str, note: str = "", **fields) -> bool:
    """Move the job if it is still in one of `from_states`; record the change. False if someone else moved it.

    On success `job` is refreshed from the database, so callers read the new state from it.
    """
    now = timezone.now()
    from_state = job.state

    def record(row):
        if to_state != from_state:
            JobEvent.objects.create(job=row, at=now, from_state=from_state, to_state=to_state, note=note[:500])
        if to_state in TERMINAL_STATES:
            _announce_finished(row)
        if from_state in IN_FLIGHT_STATES and to_state not in IN_FLIGHT_STATES and row.account_id:
            enqueue("jobs.tasks.fill_slots", row.account_id)  # its slot is free: the next waiting job takes it

    changes = {**_timestamps_for(to_state, job, now), **fields, "state": to_state}
    if change_with_event(Job, job.pk, when=Q(state__in=list(from_states)), fields=changes, record=record) is None:
        return False
    job.refresh_from_db()
    return True


def _announce_finished(job: Job):
    """The delivery row is written with the final state, so a crash after the commit cannot lose it: the
    reconcile sweep sends any delivery whose task never ran. Files the job uploaded to the provider are deleted
    there now that it needs them no more (a lost task is redone by the sweep: input_files.py)."""
    delivery = webhooks.queue_for(job)
    if delivery:
        enqueue("jobs.tasks.deliver_webhook", delivery.pk)
    if input_files.at_provider(job.pk).exists():
        enqueue("jobs.tasks.delete_input_files", job.pk)


def _timestamps_for(state: str, job: Job, now) -> dict:
    if state == JobState.QUEUED and not job.submitted_at:
        return {"submitted_at": now}
    if state == JobState.RUNNING and not job.started_at:
        return {"started_at": now, "submitted_at": job.submitted_at or now}
    if state in TERMINAL_STATES:
        return {"finished_at": now}
    return {}


def fail(job: Job, from_state: str, message: str):
    transition(job, [from_state], JobState.FAILED, message, error_message=message, waiting_reason="")


def give_up(job: Job, from_state: str, reason: str):
    fail(job, from_state, f"Stopped after {job.attempts} attempts. Last error: {reason}")


def count_unexpected(job: Job, reason: str):
    """Nothing was sent: the sweep tries again later, up to the attempt limit."""
    Job.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1, waiting_reason=reason[:300],
                                         last_synced_at=timezone.now())
    job.refresh_from_db()
    if job.attempts >= MAX_SUBMIT_ATTEMPTS:
        give_up(job, job.state, reason)


def apply_snapshot(job: Job, snapshot: RemoteSnapshot):
    """Bring the row in step with the remote job: state, raw word, outputs, seed, cost."""
    synced = {"raw_status": snapshot.raw_status[:100], "last_synced_at": timezone.now()}
    if snapshot.seed is not None:
        synced["seed"] = snapshot.seed
    if snapshot.credit_cost is not None:
        synced["credit_cost"] = snapshot.credit_cost
    state = snapshot.state
    if state in (JobState.QUEUED, JobState.RUNNING):
        _move(job, _FORWARD[state], state, f"Provider says {snapshot.raw_status}", synced, waiting_reason="")
    elif state == JobState.SUCCEEDED:
        _succeed(job, snapshot, synced)
    elif state in (JobState.FAILED, JobState.CANCELLED):
        message = snapshot.failure_message or f"The provider reports the job {snapshot.raw_status}."
        _move(job, _ANY_ACTIVE, state, message, synced, error_message=message, waiting_reason="",
              provider_log=list(snapshot.provider_log))
    else:
        _record_sync(job, synced)


def _move(job: Job, from_states, to_state: str, note: str, synced: dict, **fields) -> bool:
    """The move and the sync's own fields in one write, from the state the job was read in: a finished job shows as
    finished as soon as the provider's answer is in. If another worker moved it since, the sync's fields are written
    alone and the move is decided on the fresh row (so its event names the state it really left)."""
    if job.state in from_states and transition(job, [job.state], to_state, note, **synced, **fields):
        return True
    _record_sync(job, synced)
    return transition(job, from_states, to_state, note, **fields)


def _record_sync(job: Job, synced: dict):
    Job.objects.filter(pk=job.pk).update(**synced)
    job.refresh_from_db()


def _succeed(job: Job, snapshot: RemoteSnapshot, synced: dict):
    # Inline results go into the storage before the transaction: an upload must not hold the database's lock.
    incoming = _stage_inline_results(job, snapshot)
    committed = set()
    try:
        with transaction.atomic():
            moved = _move(job, _ANY_ACTIVE, JobState.SUCCEEDED, f"Provider says {snapshot.raw_status}", synced,
                          waiting_reason="")
            taken = record_outputs(job, snapshot, incoming) if moved else set()
        committed = taken
    finally:  # copies no task took: recorded by an earlier sync, or the transaction failed
        storage.delete_names(set(incoming.values()) - committed)


def _stage_inline_results(job: Job, snapshot: RemoteSnapshot) -> dict[int, str]:
    """Move each inline result (Apinfer: decoded onto this host's disk) into the storage under `incoming/`, so the
    task archiving it may run on any host; {position: storage name}. A result that cannot be moved is left out."""
    incoming = {}
    for position, out in enumerate(snapshot.outputs):
        if out.local_path:
            try:
                incoming[position] = storage.store_incoming(Path(out.local_path))
            except Exception:  # the storage refused it: the output records the failure
                log.exception("Job %s: result %s could not be moved into the media storage", job.pk, position)
    return incoming


def record_outputs(job: Job, snapshot: RemoteSnapshot, incoming: dict[int, str]) -> set[str]:
    """One Output row per announced result, each archived by a task once the rows are committed; returns the
    `incoming` names handed to a task. A text output's text is on its row from the start; its task writes the .txt."""
    taken = set()
    for position, out in enumerate(snapshot.outputs):
        output, created = Output.objects.get_or_create(
            job=job, position=position,
            defaults={"workspace_id": job.workspace_id, "owner_id": job.owner_id, "kind": out.kind,
                      "remote_url": out.url, "remote_thumbnail_url": out.thumbnail_url, "text": out.text,
                      "model_key": job.model_key, "provider": job.provider,
                      "created_at": job.finished_at or timezone.now()},
        )
        if created and position in incoming:
            enqueue("jobs.tasks.ingest_output", output.pk, incoming[position])
            taken.add(incoming[position])
        elif created and out.local_path:
            Output.objects.filter(pk=output.pk).update(archive_state=ArchiveState.FAILED, archive_error=NOT_STAGED)
        elif created:
            enqueue("jobs.tasks.archive_output", output.pk)
    return taken
