"""Jobs a page watches, for the polling tests: a running job made without calling a provider (the tasks the console
asks for are kept, not run), and the queries every signed-in request makes before a poll's own."""

from datetime import timedelta

from django.utils import timezone

from jobs.models import Job, JobEvent, JobState
from netmind_console.core import queue
from tests.jobs.test_lifecycle import new_job

# The session, the user and their time-zone preferences, as every signed-in page reads them.
SIGNED_IN_QUERIES = 3


def kept_tasks(monkeypatch) -> list:
    """From here on, the tasks the console asks for are kept in the list returned instead of run."""
    sent = []
    monkeypatch.setattr(queue, "after_commit", sent.append)
    return sent


def running_job(owner, synced_ago=timedelta(0)) -> Job:
    """A job running on the provider, last synced (and a sync asked for) `synced_ago`. Call `kept_tasks` first."""
    job = new_job(owner)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, remote_id=f"gen-{job.pk}", submit_started_at=now,
                                         last_synced_at=now - synced_ago, sync_requested_at=now - synced_ago)
    JobEvent.objects.create(job=job, from_state=JobState.PENDING, to_state=JobState.RUNNING, note="Started")
    return Job.objects.get(pk=job.pk)


def sync_asked_just_now(*jobs):
    """As if another tab's poll had just asked for these jobs' syncs: none is due for the next poll."""
    Job.objects.filter(pk__in=[job.pk for job in jobs]).update(sync_requested_at=timezone.now())
