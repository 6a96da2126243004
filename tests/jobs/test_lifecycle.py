"""The state machine's promises: no job lost, none doubled, every change recorded."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from jobs import catalogue, history, lifecycle, slots, submission, sweeps, sync
from jobs.adapters import ADAPTERS
from jobs.models import ArchiveState, Job, JobEvent, JobState
from jobs.slots import STALE_CLAIM
from netmind_console.accounts.services import client_for_account
from netmind_console.core import queue
from tests.fixtures.console import account_of, point_console_at, wait_until_final, with_cap
from tests.jobs.gallery_fixtures import media_files, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def new_job(user, key="Qwen/Qwen-Image", prompt="a quiet harbour"):
    spec = catalogue.get(key)
    values = {f.name: f.default for f in spec.fields}
    account = account_of(user, spec.provider)
    values.update(prompt=prompt, account=account)
    if spec.needs_image:
        values["image"] = ContentFile(png_bytes(), name="first-frame.png")
    return submission.create_job(user, account.workspace, spec, values)


@pytest.mark.parametrize("key, facts", [
    ("Qwen/Qwen-Image", ["width", "height"]),
    ("hunyuanvideo-community/HunyuanVideo", ["width", "height", "duration_seconds"]),
    ("hkchengrex/MMAudio", ["duration_seconds"]),
    ("apinfer/qwen-image", ["width", "height"]),  # inline: decoded on this host, staged into the storage
    ("apinfer/wan2.2", ["width", "height", "duration_seconds"]),  # inline, and an uploaded first frame
])
def test_every_kind_of_result_lands_in_the_storage_that_storages_configures_and_nothing_under_media_root(
        owner, settings, tmp_path, key, facts):
    settings.VAR_DIR = tmp_path / "var"  # this host's staging
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}

    job = wait_until_final(new_job(owner, key))

    assert job.state == JobState.SUCCEEDED, job.error_message
    outputs = list(job.outputs.all())
    assert outputs and all(o.archive_state == ArchiveState.ARCHIVED for o in outputs), outputs[0].archive_error
    assert all(default_storage.exists(o.file) and default_storage.exists(o.thumbnail) for o in outputs)
    assert all(getattr(o, fact) for o in outputs for fact in facts)
    assert not job.input_file or default_storage.exists(job.input_file)
    assert media_files(settings.MEDIA_ROOT) == [] and media_files(settings.VAR_DIR) == []
    assert job.provider != "apinfer" or default_storage.listdir("incoming")[1] == []  # staged copies removed


def test_a_create_that_times_out_after_reaching_the_provider_is_adopted_not_sent_twice(owner, settings,
                                                                                      console_on_sandbox):
    settings.PROVIDER_READ_TIMEOUT = 0.5
    console_on_sandbox.configure(latency_ms=1500)
    job = new_job(owner)
    job.refresh_from_db()
    assert job.state == JobState.UNKNOWN or job.events.filter(to_state=JobState.UNKNOWN).exists()

    console_on_sandbox.configure(latency_ms=0)
    job = wait_until_final(job)

    assert job.state == JobState.SUCCEEDED
    assert console_on_sandbox.calls()["POST /v1/generation"] == 1
    assert job.events.filter(note__startswith="Found on the provider").exists()


def test_a_job_saved_but_never_queued_is_submitted_by_the_sweep(owner, console_on_sandbox, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(queue, "after_commit", lambda send: None)  # the crash: the task never reaches the broker
        job = new_job(owner)
    assert Job.objects.get(pk=job.pk).state == JobState.PENDING

    sweeps.sweep_active_jobs(now=timezone.now() + timedelta(minutes=1))

    assert wait_until_final(job).state == JobState.SUCCEEDED
    assert console_on_sandbox.calls()["POST /v1/generation"] == 1


def test_however_many_sweeps_come_a_backlog_of_sends_never_outgrows_the_accounts_free_slots(
        owner, console_on_sandbox, monkeypatch):
    """The slot fill replaced resending every due row: a send asked for holds its slot until it runs, so sweeps
    coming faster than a long broker queue drains do not pile up tasks; only a send lost for STALE_CLAIM is asked
    again."""
    with monkeypatch.context() as patch:
        patch.setattr(queue, "after_commit", lambda send: None)  # the crash: no send reaches the broker
        jobs = [new_job(owner, prompt=f"kite {n}") for n in range(10)]
    asked = []
    monkeypatch.setattr(slots, "enqueue", lambda task, pk: asked.append(pk))
    now = timezone.now() + timedelta(minutes=1)

    for seconds in range(0, 50, 10):
        sweeps.sweep_active_jobs(now=now + timedelta(seconds=seconds))
    assert asked == [job.pk for job in jobs[:4]]  # the default cap: 4 at once, the oldest first

    sweeps.sweep_active_jobs(now=now + STALE_CLAIM + timedelta(seconds=1))  # those four sends were lost too
    assert asked == [job.pk for job in jobs[:4]] * 2
    assert Job.objects.filter(state=JobState.PENDING).count() == 10 and not console_on_sandbox.calls()


def test_a_provider_faulting_more_sends_than_the_bug_limit_is_waited_out_not_failed(
        settings, sandbox_factory, django_user_model, run_tasks_inline, tmp_path, monkeypatch):
    sandbox = sandbox_factory()  # its own: reconciliation must not meet other tests' generations
    point_console_at(settings, sandbox, tmp_path / "media")
    monkeypatch.setattr(queue, "after_commit", lambda send: None)  # each step below is run by hand
    job = new_job(django_user_model.objects.create_user("erin"), prompt="a lighthouse through a storm of 5xx")
    for _ in range(lifecycle.MAX_SUBMIT_ATTEMPTS + 4):
        sandbox.configure(fail_rate=1.0)  # every send refused or dropped
        Job.objects.filter(pk=job.pk).update(retry_at=None)  # the backoff, elapsed
        submission.submit_job(job.pk)
        if Job.objects.get(pk=job.pk).state == JobState.UNKNOWN:  # dropped: check with the provider first
            sandbox.configure(fail_rate=0)
            sync.reconcile_job(job.pk)
        assert Job.objects.get(pk=job.pk).state == JobState.PENDING

    sandbox.configure(fail_rate=0)
    Job.objects.filter(pk=job.pk).update(retry_at=None)
    submission.submit_job(job.pk)

    job.refresh_from_db()
    assert job.state in (JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED) and job.remote_id
    assert job.attempts == lifecycle.MAX_SUBMIT_ATTEMPTS + 5
    assert sandbox.stored_ids("generation") == [job.remote_id]


def test_submitting_the_same_job_twice_sends_one_create(owner, console_on_sandbox):
    job = new_job(owner)
    submission.submit_job(job.pk)
    submission.submit_job(job.pk)
    assert console_on_sandbox.calls()["POST /v1/generation"] == 1


def test_a_rate_limited_create_waits_and_retries_instead_of_failing(owner, console_on_sandbox, monkeypatch):
    from netmind_console.clients import errors

    def rate_limited(*args):
        raise errors.RateLimited(retry_after=1)

    # Mocked: the sandbox's fault flag picks faults at random; this test needs exactly one 429.
    with monkeypatch.context() as patch:
        patch.setattr(ADAPTERS["generation"], "submit", rate_limited)
        job = new_job(owner)
    job.refresh_from_db()
    assert job.state == JobState.PENDING and job.waiting_reason.startswith("Waiting to retry")
    assert job.retry_at > timezone.now()

    Job.objects.filter(pk=job.pk).update(retry_at=timezone.now())  # the wait is over
    sweeps.sweep_active_jobs()
    assert wait_until_final(job).state == JobState.SUCCEEDED


def test_a_worker_that_died_mid_submit_is_reconciled_not_resent(owner, console_on_sandbox, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(queue, "after_commit", lambda send: None)
        job = new_job(owner)
        submission.submit_job(job.pk)  # reaches the provider ...
        Job.objects.filter(pk=job.pk).update(state=JobState.SUBMITTING, remote_id="")  # ... but the worker died

    sweeps.sweep_active_jobs(now=timezone.now() + timedelta(hours=1))

    assert wait_until_final(job).state == JobState.SUCCEEDED
    assert console_on_sandbox.calls()["POST /v1/generation"] == 1


def test_every_state_change_is_an_event_with_its_time(owner):
    job = wait_until_final(new_job(owner))
    events = list(job.events.all())
    assert [e.to_state for e in events][0] == "pending" and events[-1].to_state == "succeeded"
    assert all(a.at <= b.at for a, b in zip(events, events[1:]))
    assert job.finished_at and job.submitted_at


def test_a_status_word_nobody_knows_is_kept_and_shown_not_fatal(owner, owner_client):
    from jobs.adapters import RemoteSnapshot

    job = wait_until_final(new_job(owner))
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    job.refresh_from_db()
    lifecycle.apply_snapshot(job, RemoteSnapshot(remote_id=job.remote_id, state=None, raw_status="warming_up"))
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.raw_status == "warming_up"
    assert "warming_up" in owner_client.get(f"/jobs/{job.uuid}/").content.decode()


def test_importing_history_twice_adds_no_duplicates(owner, console_on_sandbox):
    job = wait_until_final(new_job(owner))
    job.delete()  # known remotely, forgotten locally
    account = account_of(owner, "netmind")

    first = history.import_history(account, owner)
    second = history.import_history(account, owner)

    assert first >= 1 and second == 0
    remote_ids = list(Job.objects.values_list("remote_id", flat=True))
    assert len(remote_ids) == len(set(remote_ids))


def test_a_list_sweep_answers_unchanged_jobs_quietly_and_checks_the_ones_it_cannot_see_by_id(
        owner, console_on_sandbox, monkeypatch):
    console_on_sandbox.configure(speed=0.05)  # images take 200 s: nothing changes between the two sweeps
    account = with_cap(account_of(owner, "netmind"), sweeps.LIST_SWEEP_THRESHOLD)  # all of them in flight at once
    with monkeypatch.context() as patch:
        patch.setattr(queue, "after_commit", lambda send: None)
        jobs = [new_job(owner, prompt=f"lighthouse {n}") for n in range(sweeps.LIST_SWEEP_THRESHOLD)]
        for job in jobs:
            submission.submit_job(job.pk)
        sweeps.sync_account_jobs(account.pk, "generation")
    gone = Job.objects.get(pk=jobs[0].pk)
    with client_for_account(account) as client:
        client.delete_generation(gone.remote_id)
    events_before = JobEvent.objects.count()
    synced_before = dict(Job.objects.values_list("pk", "last_synced_at"))
    asked = []
    monkeypatch.setattr(sweeps, "enqueue", lambda task, pk: asked.append((task.rsplit(".", 1)[-1], pk)))

    sweeps.sync_account_jobs(account.pk, "generation")

    assert asked == [("sync_job", gone.pk)]
    assert JobEvent.objects.count() == events_before
    synced_after = dict(Job.objects.values_list("pk", "last_synced_at"))
    assert all(synced_after[job.pk] > synced_before[job.pk] for job in jobs[1:])


def test_many_active_jobs_of_one_account_are_synced_with_one_list_call(owner, console_on_sandbox, monkeypatch):
    with_cap(account_of(owner, "netmind"), sweeps.LIST_SWEEP_THRESHOLD)
    with monkeypatch.context() as patch:
        patch.setattr(queue, "after_commit", lambda send: None)
        jobs = [new_job(owner, prompt=f"harbour {n}") for n in range(sweeps.LIST_SWEEP_THRESHOLD)]
        for job in jobs:
            submission.submit_job(job.pk)
    console_on_sandbox.reset()

    sweeps.sync_account_jobs(account_of(owner, "netmind").pk, "generation")

    calls = console_on_sandbox.calls()
    assert calls.get("GET /v1/generation") == 1 and not calls.get("GET /v1/generation/{id}")
