"""Sweeps from several workers share the active jobs: each row is asked for once until its work is done,
again if its task was lost, and a row another sweep holds is skipped rather than waited for."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from jobs import sweeps
from jobs.models import Job, JobState
from netmind_console.core import queue
from netmind_console.workspaces.services import personal_workspace

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch):
    """What the sweeps put on the queue, as (task, id) pairs, instead of the broker."""
    tasks = []
    def capture(path, *args, **options):
        tasks.append((path.rsplit(".", 1)[-1], args[0] if len(args) == 1 else args))

    monkeypatch.setattr(queue, "async_task", capture)
    return tasks


def running_jobs(user, count):
    return [Job.objects.create(owner=user, workspace=personal_workspace(user), model_key="Qwen/Qwen-Image", provider="netmind", adapter="generation",
                               state=JobState.RUNNING, remote_id=f"gen-{n}") for n in range(count)]


def test_a_second_sweep_does_not_queue_rows_whose_sync_is_still_waiting(django_user_model, queued):
    jobs = running_jobs(django_user_model.objects.create_user("alice"), 3)
    sweeps.sweep_active_jobs()
    sweeps.sweep_active_jobs()
    assert sorted(queued) == sorted(("sync_job", job.pk) for job in jobs)


def test_a_row_synced_since_its_claim_is_swept_again(django_user_model, queued):
    [job] = running_jobs(django_user_model.objects.create_user("alice"), 1)
    sweeps.sweep_active_jobs()
    Job.objects.filter(pk=job.pk).update(last_synced_at=timezone.now())
    sweeps.sweep_active_jobs(now=timezone.now() + sweeps.WATCHED_SYNC_INTERVAL)  # no job is read twice a second
    assert queued == [("sync_job", job.pk), ("sync_job", job.pk)]


def test_a_claim_whose_task_was_lost_is_taken_again_once_stale(django_user_model, queued):
    [job] = running_jobs(django_user_model.objects.create_user("alice"), 1)
    sweeps.sweep_active_jobs()
    sweeps.sweep_active_jobs(now=timezone.now() + sweeps.STALE_CLAIM + timedelta(seconds=1))
    assert queued == [("sync_job", job.pk), ("sync_job", job.pk)]


def test_many_running_jobs_of_one_account_are_synced_by_one_list_call(django_user_model, queued):
    user = django_user_model.objects.create_user("alice")
    account = user.provider_accounts.get(provider="netmind")
    for job in running_jobs(user, sweeps.LIST_SWEEP_THRESHOLD):
        Job.objects.filter(pk=job.pk).update(account=account)
    sweeps.sweep_active_jobs()
    assert queued == [("sync_account_jobs", (account.pk, "generation"))]


def test_a_pending_job_is_sent_again_once_its_last_attempt_is_due(django_user_model, queued):
    user = django_user_model.objects.create_user("alice")
    job = Job.objects.create(owner=user, workspace=personal_workspace(user), model_key="Qwen/Qwen-Image", provider="netmind", adapter="generation",
                             created_at=timezone.now() - timedelta(minutes=1))
    sweeps.sweep_active_jobs()
    sweeps.sweep_active_jobs()  # its send is still queued: not asked twice
    Job.objects.filter(pk=job.pk).update(submit_started_at=timezone.now(), retry_at=timezone.now())
    sweeps.sweep_active_jobs()
    assert queued == [("submit_job", job.pk), ("submit_job", job.pk)]


@pytest.mark.skipif(not connection.features.has_select_for_update_skip_locked, reason="SKIP LOCKED: PostgreSQL")
def test_a_sweep_skips_a_row_another_sweep_holds_instead_of_waiting_for_it(django_user_model, queued):
    held, free = running_jobs(django_user_model.objects.create_user("alice"), 2)
    locked, release = threading.Event(), threading.Event()

    def other_sweep_holding(job):
        with transaction.atomic():
            Job.objects.select_for_update().get(pk=job.pk)
            locked.set()
            release.wait(10)
        connection.close()

    other = threading.Thread(target=other_sweep_holding, args=(held,))
    other.start()
    try:
        locked.wait(10)
        sweeps.sweep_active_jobs()
    finally:
        release.set()
        other.join()
    assert queued == [("sync_job", free.pk)]
