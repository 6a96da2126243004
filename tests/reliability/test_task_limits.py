"""A task that always fails stops after its attempt limit, and the job's row says why.

Each test runs the real task functions (jobs.tasks) against real rows. A lost encryption key is provoked for
real; an adapter bug cannot be, so only the adapter method is replaced, and each test says so.
"""

from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.db.models import F
from django.utils import timezone
from django_q.conf import Conf

from jobs import catalogue, lifecycle, submission, sweeps, tasks
from jobs.adapters import ADAPTERS
from jobs.forms import JobForm
from jobs.models import Job, JobEvent, JobState
from netmind_console.accounts import crypto
from netmind_console.core import queue
from tests.fixtures.console import account_of, point_console_at

pytestmark = pytest.mark.django_db

DECRYPT_MESSAGE = "The stored NetMind token cannot be decrypted — enter it again in Settings."


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """django-q2 runs each queued task in-process at once: the real task code, no broker."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def lose_the_encryption_key(settings):
    """CONSOLE_ENCRYPTION_KEY replaced by a key that never encrypted anything: stored tokens become unreadable."""
    def lose():
        settings.CONSOLE_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        crypto.reset_cache()
    yield lose
    crypto.reset_cache()


@pytest.fixture
def console_setup(settings, sandbox, tmp_path):
    """The shared users' sandbox accounts point at the live test sandbox, but tasks are not run inline: each test
    runs the task it checks, and asks for `run_tasks_inline` when the tasks that one queues must run too."""
    point_console_at(settings, sandbox, tmp_path / "media")
    return sandbox


def saved_job(user, model_key="haiper/text2image", prompt="a lighthouse in fog", **row) -> Job:
    """A job saved through the web form's path; its submission is never queued (each test runs the task)."""
    spec = catalogue.get(model_key)
    account = account_of(user, spec.provider)
    data = {"model": spec.key, "account": account.pk, "prompt": prompt, "seed_mode": "random",
            **{field.name: field.default for field in spec.fields}}
    form = JobForm(data, spec=spec, workspace=account.workspace)
    assert form.is_valid(), form.errors
    with mock.patch.object(queue, "after_commit", lambda send: None):
        job = submission.create_job(user, account.workspace, spec, form.cleaned_data)
    Job.objects.filter(pk=job.pk).update(**row)
    job.refresh_from_db()
    return job


def sweep_until_settled(rounds: int):
    for _ in range(rounds):
        sweeps.sweep_active_jobs()
        # As if the next sweep came a second later (a job is read at most once a second): its claims age by that.
        Job.objects.exclude(sync_requested_at=None).update(
            sync_requested_at=F("sync_requested_at") - sweeps.WATCHED_SYNC_INTERVAL)


def last_event(job) -> JobEvent:
    return job.events.last()


# ---- a token that can no longer be decrypted -----------------------------------------------------

@pytest.mark.parametrize(("state", "task"), [
    (JobState.PENDING, tasks.submit_job),
    (JobState.QUEUED, tasks.sync_job),
    (JobState.UNKNOWN, tasks.reconcile_job),
])
def test_a_job_whose_token_can_no_longer_be_decrypted_fails_at_once_and_says_to_enter_it_again(
        owner, lose_the_encryption_key, state, task):
    job = saved_job(owner, state=state, remote_id="" if state == JobState.PENDING else "remote-1",
                    submit_started_at=None if state == JobState.PENDING else timezone.now())
    lose_the_encryption_key()

    task(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error_message == DECRYPT_MESSAGE
    assert last_event(job).to_state == JobState.FAILED and last_event(job).note == DECRYPT_MESSAGE


def test_the_sweep_leaves_a_job_failed_for_a_lost_key_alone(owner, lose_the_encryption_key, run_tasks_inline):
    job = saved_job(owner)
    lose_the_encryption_key()
    tasks.submit_job(job.pk)
    events = job.events.count()

    sweep_until_settled(rounds=3)

    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.events.count() == events


# ---- an adapter that always breaks -------------------------------------------------------------------

@pytest.fixture
def haiper_image_adapter_bug(monkeypatch):
    """A bug in the adapter cannot be provoked for real: its create raises before any request leaves."""
    def broken_submit(client, job, media_dir):
        raise KeyError("settings")
    monkeypatch.setattr(ADAPTERS["haiper_image"], "submit", broken_submit)


def test_a_send_that_always_breaks_stops_after_the_attempt_limit_with_the_reason_on_the_row(
        owner, sandbox, run_tasks_inline, haiper_image_adapter_bug):
    job = saved_job(owner, prompt="the send that always breaks 5c1e")

    # Each failure goes to `unknown`; the reconciler lists the remote jobs, finds none, and sends again.
    tasks.submit_job(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.attempts == lifecycle.MAX_SUBMIT_ATTEMPTS
    assert job.error_message.startswith(f"Stopped after {lifecycle.MAX_SUBMIT_ATTEMPTS} attempts.")
    assert "KeyError" in job.error_message and "sending" in job.error_message
    assert last_event(job).note == job.error_message[:500]
    assert not any(call.startswith("POST") for call in sandbox.calls())  # never sent: nothing to be charged for
    sweep_until_settled(rounds=3)
    assert Job.objects.get(pk=job.pk).state == JobState.FAILED


def test_a_send_that_breaks_after_the_provider_accepted_it_is_adopted_not_sent_twice(
        owner, sandbox, run_tasks_inline, monkeypatch):
    job = saved_job(owner, prompt="the answer that could not be read 9b2f")
    adapter = ADAPTERS["haiper_image"]
    real_submit = adapter.submit

    def submit_then_break(client, job, media_dir):
        """A bug reading the provider's answer cannot be provoked for real: the real create runs, then this raises."""
        real_submit(client, job, media_dir)
        raise TypeError("'NoneType' object is not subscriptable")
    monkeypatch.setattr(adapter, "submit", submit_then_break)

    tasks.submit_job(job.pk)

    job.refresh_from_db()
    assert job.state in (JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED) and job.remote_id
    assert job.attempts == 1
    assert sum(count for call, count in sandbox.calls().items() if call.startswith("POST")) == 1
    assert not JobEvent.objects.filter(job=job, to_state=JobState.FAILED).exists()


@pytest.fixture
def generation_fetch_bug(monkeypatch):
    """A bug in the adapter cannot be provoked for real: reading a generation raises every time."""
    def broken_fetch(client, job, media_dir):
        raise AttributeError("'dict' object has no attribute 'outputs'")
    monkeypatch.setattr(ADAPTERS["generation"], "fetch", broken_fetch)


def test_a_sync_that_always_breaks_stops_after_the_attempt_limit_and_the_sweep_then_leaves_it(
        owner, run_tasks_inline, generation_fetch_bug):
    job = saved_job(owner, model_key="hkchengrex/MMAudio", state=JobState.QUEUED, remote_id="gen-1", attempts=1)

    sweep_until_settled(rounds=lifecycle.MAX_SUBMIT_ATTEMPTS + 3)

    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == lifecycle.MAX_SUBMIT_ATTEMPTS
    assert "Unexpected error while checking on the job: AttributeError" in job.error_message
    assert last_event(job).to_state == JobState.FAILED and "AttributeError" in last_event(job).note


def test_a_sync_that_breaks_once_is_tried_again_and_says_why_meanwhile(owner, generation_fetch_bug):
    job = saved_job(owner, model_key="hkchengrex/MMAudio", state=JobState.QUEUED, remote_id="gen-2", attempts=1)

    tasks.sync_job(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.attempts == 2
    assert job.waiting_reason.startswith("Unexpected error while checking on the job: AttributeError")
