"""A page watching a job polls every half second: the job is read from its provider about once a second, never more
often however many tabs watch it, and what the read finds shows at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import lifecycle, sync
from jobs.adapters import RemoteSnapshot
from jobs.models import Job, JobState
from tests.jobs.watching import kept_tasks, running_job

pytestmark = pytest.mark.django_db

POLL = 0.5
QUEUE_HOP = 0.15  # from a sync asked for to the provider's answer applied


@pytest.fixture
def watch(owner, monkeypatch):
    """Poll a running job at the given moments (seconds), each sync asked for running QUEUE_HOP later, as a worker
    would; returns the moments of the polls that asked for one."""
    sent = kept_tasks(monkeypatch)
    job = running_job(owner, synced_ago=timedelta(minutes=1))
    start, sent_before = timezone.now(), len(sent)

    def polls(moments) -> list[float]:
        asked = []
        for moment in sorted(moments):
            monkeypatch.setattr(timezone, "now", lambda moment=moment: start + timedelta(seconds=moment))
            if sync.request_sync_if_stale(Job.objects.get(pk=job.pk)):
                asked.append(round(moment, 3))
                synced_at = start + timedelta(seconds=moment + QUEUE_HOP)
                Job.objects.filter(pk=job.pk).update(last_synced_at=synced_at)
        assert len(sent) - sent_before == len(asked), "one sync queued for each poll that asked"
        return asked

    return polls


def tab(offset: float, seconds: float = 10, jitter=(0.004, -0.003, 0.002, -0.004)) -> list[float]:
    """A tab's polls every half second from `offset`, each a few milliseconds early or late, as a browser's timer."""
    return [offset + n * POLL + jitter[n % len(jitter)] for n in range(int(seconds / POLL))]


def test_a_watched_job_is_read_every_second_poll_even_when_a_poll_comes_a_little_early(watch):
    asked = watch(tab(0))

    assert len(asked) == 10
    assert all(0.99 <= later - earlier <= 1.01 for earlier, later in zip(asked, asked[1:])), asked


def test_three_tabs_watching_one_job_ask_no_more_reads_than_one_tab(watch):
    asked = watch(tab(0) + tab(0.17) + tab(0.34))

    assert len(asked) == 10
    assert min(later - earlier for earlier, later in zip(asked, asked[1:])) >= 0.9, asked


def test_a_job_moved_on_by_another_worker_while_its_sync_was_reading_gets_one_event_per_change(owner, monkeypatch):
    kept_tasks(monkeypatch)
    as_read = running_job(owner)
    Job.objects.filter(pk=as_read.pk).update(state=JobState.QUEUED)
    as_read.refresh_from_db()
    other_worker_copy = Job.objects.get(pk=as_read.pk)
    lifecycle.transition(other_worker_copy, [JobState.QUEUED], JobState.RUNNING, "Provider says processing")

    lifecycle.apply_snapshot(as_read, RemoteSnapshot(remote_id=as_read.remote_id, state=JobState.RUNNING,
                                                     raw_status="processing"))

    job = Job.objects.get(pk=as_read.pk)
    assert job.state == JobState.RUNNING and job.raw_status == "processing" and job.last_synced_at
    assert list(job.events.filter(from_state=JobState.QUEUED).values_list("to_state", flat=True)) == ["running"]


def test_a_sync_that_finds_the_job_finished_shows_it_finished_with_the_providers_word(owner, monkeypatch):
    kept_tasks(monkeypatch)
    job = running_job(owner)

    lifecycle.apply_snapshot(job, RemoteSnapshot(remote_id=job.remote_id, state=JobState.FAILED,
                                                 raw_status="failed", failure_message="Out of memory"))

    job = Job.objects.get(pk=job.pk)
    assert job.state == JobState.FAILED and job.raw_status == "failed" and job.error_message == "Out of memory"
    assert job.finished_at and job.last_synced_at and job.events.last().to_state == JobState.FAILED
