"""A running batch: its progress (counts by state, an ETA) and what a person does to it — Pause (nothing new
is sent), Resume, Cancel (what was not sent is cancelled here; what is in flight finishes), Retry failed.

Each is a conditional update on the batch's state (two clicks, two tabs, the page and the API: one wins) with a
BatchEvent row naming who did it; jobs change with their JobEvent rows in the same transaction.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from jobs import selectors, sync
from jobs.models import IN_FLIGHT_STATES, TERMINAL_STATES, Batch, BatchEvent, BatchState, Job, JobEvent, JobState
from netmind_console.core.queue import enqueue

UPDATE_BATCH = 500  # ids per UPDATE: SQLite caps the parameters of one statement
WATCHED_JOBS = 20  # jobs a look at a batch asks to sync


class NotNow(ValueError):
    """The batch is not in a state this action applies to; the message says which it is in."""


@dataclass
class Progress:
    counts: dict[str, int]  # by job state, every state present (0 when none)
    total: int
    waiting: int  # pending: waiting for a slot, a retry, or the batch to resume
    in_flight: int
    finished: int
    eta_seconds: float | None  # None: paused, finished, or not started

    @property
    def done(self) -> bool:
        """Every job final; also a started batch whose jobs were all deleted (nothing is left to watch)."""
        return self.finished == self.total

    @property
    def percent(self) -> int:
        return int(100 * self.finished / self.total) if self.total else 0


def progress(batch: Batch, now=None) -> Progress:
    now = now or timezone.now()
    counts = dict.fromkeys(JobState.values, 0)
    counts.update(batch.jobs.order_by().values_list("state").annotate(n=Count("id")))
    total = sum(counts.values())
    finished = sum(counts[state] for state in TERMINAL_STATES)
    in_flight = sum(counts[state] for state in IN_FLIGHT_STATES)
    state = Progress(counts, total, counts[JobState.PENDING], in_flight, finished, None)
    if batch.state == BatchState.RUNNING and not state.done:
        state.eta_seconds = _eta(batch, state, now)
    return state


def _eta(batch: Batch, state: Progress, now) -> float:
    """From the batch's own pace once jobs have finished; before, one job's usual time per round of the cap."""
    remaining = state.total - state.finished
    elapsed = (now - batch.started_at).total_seconds() if batch.started_at else 0
    if state.finished and elapsed > 0:
        return remaining * elapsed / state.finished
    cap = batch.account.concurrency_cap if batch.account else 1
    return -(-remaining // cap) * selectors.typical_seconds(batch.model_key)


def watch(batch: Batch, now=None):
    """Someone is watching (the page polls, a script reads GET /batches/{uuid}): its jobs in flight are synced
    as a watched job's are, the stalest first and a few per look (a cap of hundreds must not mean hundreds of
    tasks); a due retry is sent."""
    if batch.state == BatchState.DRAFT:
        return
    due = (Q(state__in=[JobState.QUEUED, JobState.RUNNING])
           | Q(state=JobState.PENDING, retry_at__lte=now or timezone.now()))
    for job in batch.jobs.filter(due).order_by(F("last_synced_at").asc(nulls_first=True), "id")[:WATCHED_JOBS]:
        sync.request_sync_if_stale(job)


def status_label(batch: Batch, state: Progress) -> str:
    """What the page calls the batch: its state, or Finished once every job is final (paused or not: a pause
    that caught nothing waiting has nothing left to hold)."""
    if batch.state != BatchState.DRAFT and state.done:
        return "Cancelled" if batch.state == BatchState.CANCELLED else "Finished"
    if batch.state == BatchState.CANCELLED:
        return "Cancelling"  # in-flight jobs still finishing
    return batch.get_state_display()


def _locked(batch: Batch, states: list[str], action: str) -> Batch:
    """The batch's row, held until commit, if it is in one of `states`; else NotNow naming the state it is in."""
    row = Batch.objects.select_for_update().filter(pk=batch.pk).first()
    if row is None or row.state not in states:
        state = row.get_state_display().lower() if row else "deleted"
        raise NotNow(f"The batch is {state}: it cannot be {action} now.")
    return row


def _change(batch: Batch, states: list[str], to_state: str, action: str, actor, note: str = ""):
    with transaction.atomic():
        _locked(batch, states, action)
        Batch.objects.filter(pk=batch.pk).update(state=to_state)
        BatchEvent.objects.create(batch=batch, action=action, actor_name=actor.get_username(), note=note)
        if to_state == BatchState.RUNNING:
            enqueue("jobs.tasks.fill_slots", batch.account_id)
    batch.refresh_from_db()


def pause(batch: Batch, actor):
    _change(batch, [BatchState.RUNNING], BatchState.PAUSED, "paused", actor)


def resume(batch: Batch, actor):
    _change(batch, [BatchState.PAUSED], BatchState.RUNNING, "resumed", actor)


def cancel(batch: Batch, actor) -> int:
    """Cancel what was not sent; how many. The batch's row is held first, then its pending rows, so a worker's
    slot claim (a conditional update from pending) either came first, and that job finishes, or finds the
    job cancelled."""
    now = timezone.now()
    message = "Cancelled with its batch before it was sent."
    with transaction.atomic():
        _locked(batch, [BatchState.RUNNING, BatchState.PAUSED], "cancelled")
        Batch.objects.filter(pk=batch.pk).update(state=BatchState.CANCELLED)
        ids = list(batch.jobs.filter(state=JobState.PENDING).select_for_update().values_list("pk", flat=True))
        _each_chunk(ids, lambda chunk: Job.objects.filter(pk__in=chunk).update(
            state=JobState.CANCELLED, finished_at=now, error_message=message, waiting_reason=""))
        _record(ids, JobState.PENDING, JobState.CANCELLED, message, now)
        BatchEvent.objects.create(batch=batch, action="cancelled", actor_name=actor.get_username(),
                                  note=f"{len(ids):,} jobs not yet sent were cancelled")
    batch.refresh_from_db()
    return len(ids)


def retry_failed(batch: Batch, actor) -> int:
    """Send the batch's failed jobs again, as they were (same prompt, parameters and seed); how many. Each
    keeps its row and its timeline, so the batch still has one job per row and seed."""
    now = timezone.now()
    with transaction.atomic():
        _locked(batch, [BatchState.RUNNING, BatchState.PAUSED], "retried")
        ids = list(batch.jobs.filter(state=JobState.FAILED).select_for_update().values_list("pk", flat=True))
        _each_chunk(ids, lambda chunk: Job.objects.filter(pk__in=chunk).update(
            state=JobState.PENDING, remote_id="", raw_status="", error_message="", provider_log=[], waiting_reason="",
            attempts=0, retry_at=None, submit_started_at=None, submitted_at=None, started_at=None, finished_at=None,
            last_synced_at=None, sync_requested_at=None, notified_at=None))
        _record(ids, JobState.FAILED, JobState.PENDING, "Sent again: Retry failed of its batch", now)
        BatchEvent.objects.create(batch=batch, action="retried", actor_name=actor.get_username(),
                                  note=f"{len(ids):,} failed jobs sent again")
        enqueue("jobs.tasks.fill_slots", batch.account_id)
    batch.refresh_from_db()
    return len(ids)


def _each_chunk(ids: list[int], update):
    for start in range(0, len(ids), UPDATE_BATCH):
        update(ids[start:start + UPDATE_BATCH])


def _record(ids: list[int], from_state: str, to_state: str, note: str, now):
    JobEvent.objects.bulk_create([JobEvent(job_id=pk, at=now, from_state=from_state, to_state=to_state, note=note)
                                  for pk in ids], batch_size=UPDATE_BATCH)
