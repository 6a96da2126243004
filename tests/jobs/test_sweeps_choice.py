"""The sweep reads an account's active jobs the cheaper way: one list call (which carries the account's whole history,
the generation list being unpaginated) or a GET per active job, by what each cost last time. Against the sandbox over
HTTP: the calls counted are the provider's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import read_costs, sweeps, sync
from jobs.models import Job, JobState
from jobs.read_costs import Cost
from tests.fixtures.console import account_of, with_cap
from tests.jobs.test_lifecycle import new_job

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "GET /v1/generation"
GET = "GET /v1/generation/{id}"


@pytest.fixture
def long_running(console_on_sandbox):
    """Jobs that stay active for the whole test: images take 200 s."""
    console_on_sandbox.configure(speed=0.05)
    return console_on_sandbox


def active_jobs(owner, count):
    with_cap(account_of(owner, "netmind"), count)
    jobs = [new_job(owner, prompt=f"a lighthouse, take {n}") for n in range(count)]
    assert all(job.state in (JobState.QUEUED, JobState.RUNNING) for job in refreshed(jobs))
    return jobs


def refreshed(jobs):
    for job in jobs:
        job.refresh_from_db()
    return jobs


def last_list_cost(owner, seconds: float, get_seconds: float):
    """As if the account's last list call had carried 10,000 generations in `seconds`, and a GET took `get_seconds`."""
    account = account_of(owner, "netmind")
    read_costs.remember_list(account.uuid, "generation", Cost(bytes=8_000_000, seconds=seconds), items=10_000)
    read_costs.remember_get(account.uuid, "generation", Cost(bytes=900, seconds=get_seconds))


def sweep_a_second_later(sandbox) -> dict:
    """The provider calls of one sweep, a second after the jobs were sent (no job is read twice a second)."""
    sandbox.reset()
    sweeps.sweep_active_jobs(now=timezone.now() + sync.WATCHED_SYNC_INTERVAL)
    return sandbox.calls()


# A list's second against a GET's 0.1 s: six GETs (0.6 s) cost less than the list, twelve (1.2 s) more.
@pytest.mark.parametrize("active, expected_calls", [(6, {GET: 6}), (12, {LIST: 1})],
                         ids=["a few jobs are read one GET each", "many jobs are read with one list call"])
def test_an_account_whose_last_list_was_large_is_read_the_cheaper_way(owner, long_running, active, expected_calls):
    jobs = active_jobs(owner, active)
    last_list_cost(owner, seconds=1.0, get_seconds=0.1)

    calls = sweep_a_second_later(long_running)

    assert calls == expected_calls
    assert all(job.last_synced_at > job.submitted_at for job in refreshed(jobs))


def test_before_any_get_was_timed_a_list_that_is_mostly_history_is_tried_as_gets(owner, long_running):
    active_jobs(owner, 6)
    account = account_of(owner, "netmind")
    read_costs.remember_list(account.uuid, "generation", Cost(bytes=8_000_000, seconds=1.0), items=10_000)

    assert sweep_a_second_later(long_running) == {GET: 6}
    assert read_costs.estimate(account.uuid, "generation").get_seconds < 1.0, "the GETs were timed"


def test_with_nothing_measured_five_active_jobs_are_read_with_one_list_call_which_is_then_remembered(
        owner, long_running):
    active_jobs(owner, sweeps.LIST_SWEEP_THRESHOLD)
    account = account_of(owner, "netmind")
    assert read_costs.estimate(account.uuid, "generation") is None

    assert sweep_a_second_later(long_running) == {LIST: 1}

    remembered = read_costs.estimate(account.uuid, "generation")
    assert remembered.list_bytes == long_running.stats()["bytes"][LIST], "the bytes the provider sent"
    assert remembered.list_seconds > 0


def test_a_job_read_for_a_watching_page_less_than_a_second_ago_is_left_to_the_next_sweep(owner, long_running):
    watched, unwatched = active_jobs(owner, 2)
    now = timezone.now()
    read_earlier(unwatched, now - timedelta(seconds=2))
    read_earlier(watched, now - timedelta(milliseconds=500))  # the page's poll asked for it, and it ran

    long_running.reset()
    sweeps.sweep_active_jobs(now=now)

    assert long_running.calls() == {GET: 1}
    watched, unwatched = refreshed([watched, unwatched])
    assert unwatched.last_synced_at >= now and watched.last_synced_at < now


def read_earlier(job, asked_at):
    """As if a sync had been asked for at `asked_at` and had run at once."""
    Job.objects.filter(pk=job.pk).update(sync_requested_at=asked_at, last_synced_at=asked_at + timedelta(seconds=0.01))
