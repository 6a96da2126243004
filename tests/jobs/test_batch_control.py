"""Pause, Resume, Cancel and Retry failed against the sandbox: what each sends and does not send; who did it; the
progress and the label the batch page shows."""

import json
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from jobs import batch_control, history, submission, sweeps
from jobs.batch_control import NotNow
from jobs.models import BatchState, Job, JobEvent, JobState
from tests.fixtures.console import account_of, wait_until_final, with_cap
from tests.jobs.batching import draft, held_tasks, started  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

CREATES = "POST /v1/generation"
SIX_PROMPTS = "\n".join(f"kite {n}" for n in range(1, 7))


@pytest.fixture
def two_at_once(owner, console_on_sandbox):
    """Owner's NetMind account sends two at once; an image takes the sandbox 2 s, so the console sees a job
    finish only when it syncs it."""
    console_on_sandbox.configure(speed=5)
    return with_cap(account_of(owner, "netmind"), 2)


def creates(sandbox) -> int:
    return sandbox.calls().get(CREATES, 0)


def counted(batch) -> dict[str, int]:
    """The progress counts, without the states no job is in."""
    return {state: n for state, n in batch_control.progress(batch).counts.items() if n}


def finish_in_flight(batch):
    """Sync the batch's jobs in flight until they are final, as a watching page would; those it sends meanwhile
    (a freed slot is handed on at once) too."""
    while active := list(batch.jobs.filter(state__in=[JobState.SUBMITTING, JobState.QUEUED, JobState.RUNNING])):
        for job in active:
            wait_until_final(job)


def sweep_later(minutes=5):
    sweeps.sweep_active_jobs(now=timezone.now() + timedelta(minutes=minutes))


def test_a_paused_batch_sends_nothing_new_while_its_jobs_in_flight_finish_and_resume_sends_the_rest(
        owner, other, two_at_once, console_on_sandbox):
    batch = started(owner, prompts=SIX_PROMPTS)
    assert creates(console_on_sandbox) == 2

    batch_control.pause(batch, owner)
    finish_in_flight(batch)
    sweep_later()

    assert counted(batch) == {JobState.PENDING: 4, JobState.SUCCEEDED: 2}
    assert creates(console_on_sandbox) == 2
    state = batch_control.progress(batch)
    assert batch_control.status_label(batch, state) == "Paused" and state.eta_seconds is None

    batch_control.resume(batch, other)
    assert creates(console_on_sandbox) == 4  # the free slots were offered at once
    finish_in_flight(batch)

    assert counted(batch) == {JobState.SUCCEEDED: 6}
    assert creates(console_on_sandbox) == 6
    state = batch_control.progress(batch)
    assert batch_control.status_label(batch, state) == "Finished" and state.done and state.percent == 100
    assert list(batch.events.values_list("action", "actor_name")) == [
        ("created", "alice"), ("started", "alice"), ("paused", "alice"), ("resumed", "bob")]


def test_cancel_cancels_what_was_not_sent_lets_what_is_in_flight_finish_and_sends_nothing_more(
        owner, two_at_once, console_on_sandbox):
    batch = started(owner, prompts=SIX_PROMPTS)

    assert batch_control.cancel(batch, owner) == 4

    cancelled = batch.jobs.filter(state=JobState.CANCELLED)
    assert cancelled.count() == 4
    assert set(cancelled.values_list("error_message", flat=True)) == {"Cancelled with its batch before it was sent."}
    assert JobEvent.objects.filter(job__in=cancelled, from_state=JobState.PENDING, to_state=JobState.CANCELLED,
                                   note="Cancelled with its batch before it was sent.").count() == 4
    assert batch_control.status_label(batch, batch_control.progress(batch)) == "Cancelling"

    finish_in_flight(batch)
    sweep_later()

    assert counted(batch) == {JobState.SUCCEEDED: 2, JobState.CANCELLED: 4}
    assert creates(console_on_sandbox) == 2
    assert batch_control.status_label(batch, batch_control.progress(batch)) == "Cancelled"
    assert batch.events.last().note == "4 jobs not yet sent were cancelled"


def sent_request(sandbox, remote_id: str) -> dict:
    """The body the sandbox received for a Haiper job, read from its own store."""
    with sqlite3.connect(f"file:{sandbox.data_dir / 'sandbox.sqlite3'}?mode=ro", uri=True) as db:
        (doc,) = db.execute("SELECT doc FROM objects WHERE id = ?", [remote_id]).fetchone()
    return json.loads(doc)["request"]


def test_retry_failed_sends_exactly_the_failed_jobs_again_as_they_were(owner, console_on_sandbox):
    prompts = "a kite\n[fail] a heron\na swan\n[fail] a crow"  # the sandbox fails prompts with this marker
    batch = started(owner, "haiper/text2image", prompts=prompts)
    finish_in_flight(batch)
    failed = {job.pk: job for job in batch.jobs.filter(state=JobState.FAILED)}
    succeeded = {job.pk: job.remote_id for job in batch.jobs.filter(state=JobState.SUCCEEDED)}
    assert len(failed) == 2 and len(succeeded) == 2
    console_on_sandbox.reset()

    assert batch_control.retry_failed(batch, owner) == 2
    finish_in_flight(batch)

    assert console_on_sandbox.calls()["POST /v1/netmind-image-job"] == 2
    for job in Job.objects.filter(pk__in=failed):
        before = failed[job.pk]
        assert job.remote_id != before.remote_id and job.seed == before.seed
        assert sent_request(console_on_sandbox, job.remote_id) == sent_request(console_on_sandbox, before.remote_id)
        assert job.state == JobState.FAILED  # the marker fails it again: what matters is what was sent
        assert [event.note for event in job.events.all()].count("Sent again: Retry failed of its batch") == 1
    assert dict(batch.jobs.filter(state=JobState.SUCCEEDED).values_list("pk", "remote_id")) == succeeded
    assert batch.events.last().action == "retried" and batch.events.last().actor_name == "alice"


def test_retrying_a_paused_batch_sends_its_failed_jobs_only_once_it_is_resumed(owner, console_on_sandbox):
    batch = started(owner, "haiper/text2image", prompts="a kite\n[fail] a heron")
    finish_in_flight(batch)
    batch_control.pause(batch, owner)
    console_on_sandbox.reset()

    assert batch_control.retry_failed(batch, owner) == 1
    sweep_later()
    assert counted(batch) == {JobState.SUCCEEDED: 1, JobState.PENDING: 1} and not console_on_sandbox.calls()

    batch_control.resume(batch, owner)
    assert console_on_sandbox.calls()["POST /v1/netmind-image-job"] == 1


def test_a_batch_without_failures_retries_nothing(owner, console_on_sandbox):
    batch = started(owner, prompts="a kite")
    finish_in_flight(batch)
    console_on_sandbox.reset()

    assert batch_control.retry_failed(batch, owner) == 0
    assert not console_on_sandbox.calls()


ACTIONS = {"paused": batch_control.pause, "resumed": batch_control.resume, "cancelled": batch_control.cancel,
           "retried": batch_control.retry_failed}


@pytest.mark.parametrize("state, action", [
    (BatchState.DRAFT, "paused"), (BatchState.DRAFT, "resumed"), (BatchState.DRAFT, "cancelled"),
    (BatchState.DRAFT, "retried"), (BatchState.RUNNING, "resumed"), (BatchState.PAUSED, "paused"),
    (BatchState.CANCELLED, "paused"), (BatchState.CANCELLED, "resumed"), (BatchState.CANCELLED, "cancelled"),
    (BatchState.CANCELLED, "retried"),
])
def test_an_action_that_does_not_apply_now_says_which_state_the_batch_is_in_and_changes_nothing(
        state, action, owner, held_tasks):
    batch = draft(owner, prompts="a kite")
    if state != BatchState.DRAFT:
        batch = started(owner, prompts="a kite")
        batch.__class__.objects.filter(pk=batch.pk).update(state=state)
        batch.refresh_from_db()
    events = batch.events.count()

    with pytest.raises(NotNow) as refused:
        ACTIONS[action](batch, owner)

    label = dict(BatchState.choices)[state].lower()
    assert str(refused.value) == f"The batch is {label}: it cannot be {action} now."
    batch.refresh_from_db()
    assert batch.state == state and batch.events.count() == events


def test_progress_counts_jobs_by_state_and_estimates_the_rest_from_the_cap(owner, two_at_once):
    batch = started(owner, prompts=SIX_PROMPTS)

    state = batch_control.progress(batch)

    assert (state.total, state.waiting, state.in_flight, state.finished, state.percent) == (6, 4, 2, 0, 0)
    assert state.eta_seconds == 3 * 10  # 6 jobs, 2 at once, the catalogue's 10 s each until there is history
    assert batch_control.status_label(batch, state) == "Running"
    assert batch_control.status_label(draft(owner, prompts="a kite"), state) == "Draft"


def test_once_jobs_finish_the_eta_follows_the_batchs_own_pace(owner, two_at_once):
    batch = started(owner, prompts=SIX_PROMPTS)
    for job in batch.jobs.filter(state__in=[JobState.QUEUED, JobState.RUNNING])[:2]:
        wait_until_final(job)
    batch.__class__.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(seconds=20))
    batch.refresh_from_db()
    now = timezone.now()

    state = batch_control.progress(batch, now=now)

    assert state.finished == 2 and state.percent == 33
    elapsed = (now - batch.started_at).total_seconds()
    assert state.eta_seconds == pytest.approx(4 * elapsed / 2)


def test_a_batch_paused_after_its_last_job_was_sent_says_finished_once_that_job_is_final(owner, console_on_sandbox):
    batch = started(owner, prompts="a kite")
    batch_control.pause(batch, owner)
    assert batch_control.status_label(batch, batch_control.progress(batch)) == "Paused"

    finish_in_flight(batch)

    assert batch_control.status_label(batch, batch_control.progress(batch)) == "Finished"


def test_a_batch_whose_jobs_were_all_deleted_is_finished_not_running_forever(owner, console_on_sandbox):
    batch = started(owner, prompts="a kite\na heron")
    finish_in_flight(batch)

    for job in batch.jobs.all():
        history.delete_job(job, actor=owner)

    state = batch_control.progress(batch)
    assert (state.total, state.done, state.eta_seconds) == (0, True, None)
    assert batch_control.status_label(batch, state) == "Finished"


def submit_waiting_for_locks(job_id):
    """SQLite's in-memory test database answers "table is locked" at once where a file database waits."""
    for _ in range(2000):
        try:
            return submission.submit_job(job_id)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.005)
    raise AssertionError("the database stayed locked")


def test_a_job_cancelled_while_a_worker_is_claiming_it_is_not_sent(owner, held_tasks, console_on_sandbox):
    batch = started(owner, prompts="a kite")  # its send is queued, not yet run
    job = batch.jobs.get()
    cancelled, sending = threading.Event(), threading.Event()
    errors = []

    def cancel_and_commit_late():
        try:
            with transaction.atomic():
                batch_control.cancel(batch, owner)  # holds the job's row until this commits
                cancelled.set()
                sending.wait(10)
                time.sleep(0.5)  # the worker's claim is waiting on the row by now
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    def worker():
        try:
            cancelled.wait(10)
            sending.set()
            submit_waiting_for_locks(job.pk)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel_and_commit_late), threading.Thread(target=worker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.remote_id == ""
    assert CREATES not in console_on_sandbox.calls()
