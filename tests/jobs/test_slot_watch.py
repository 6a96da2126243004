"""The watcher of jobs in flight while others of their account wait for a slot: one for the console (a lease),
started by a job refused a slot, syncing those accounts' jobs in flight and handing freed slots on, stopping when
nothing waits. Against the sandbox over HTTP, each task run by hand as a worker would."""

import pytest
from django.core.cache import cache
from django_q.conf import Conf

from jobs import slot_watch, slots, tasks
from jobs.models import Job, JobState
from jobs.slots import WATCHER_LEASE_KEY
from tests.fixtures.console import account_of, with_cap
from tests.jobs.batching import held_tasks, new_job  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workers(monkeypatch):
    """A cluster of two workers, the tasks held (not run in the caller, as django-q2's sync mode would)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "WORKERS", 2)
    cache.delete(WATCHER_LEASE_KEY)
    yield
    cache.delete(WATCHER_LEASE_KEY)


def run_all_but_the_watcher(held_tasks):
    """Run the held tasks (and those they queue) as a worker would, leaving the watcher's task held."""
    watchers = []
    while held_tasks:
        task, *args = held_tasks.pop(0)
        if task == "watch_slots":
            watchers.append((task, *args))
        else:
            getattr(tasks, task)(*args)
    held_tasks.extend(watchers)


@pytest.fixture
def quick_rounds(monkeypatch):
    """Rounds of 50 ms and a task's share of 0.3 s: a few rounds, then the watcher hands on to its next task."""
    monkeypatch.setattr(slot_watch, "ROUND_SECONDS", 0.05)
    monkeypatch.setattr(slot_watch, "FASTEST_ROUND_SECONDS", 0.05)
    monkeypatch.setattr(slot_watch, "TASK_SECONDS", 0.3)


def test_jobs_refused_a_slot_start_one_watcher_however_many_are_refused(owner, console_on_sandbox, held_tasks,
                                                                        workers):
    with_cap(account_of(owner, "netmind"), 1)
    jobs = [new_job(owner, prompt=f"buoy {n}") for n in range(4)]

    run_all_but_the_watcher(held_tasks)

    assert [Job.objects.get(pk=job.pk).state for job in jobs] == ["queued"] + ["pending"] * 3
    assert len(held_tasks.named("watch_slots")) == 1 and cache.get(WATCHER_LEASE_KEY)


def test_the_watcher_syncs_the_busy_accounts_jobs_in_flight_hands_their_slots_on_and_stops_when_none_waits(
        owner, console_on_sandbox, held_tasks, workers, quick_rounds):
    console_on_sandbox.configure(speed=1000)  # each image is done at the provider within 10 ms
    account = with_cap(account_of(owner, "netmind"), 1)
    first, second = new_job(owner, prompt="a gull"), new_job(owner, prompt="a heron")
    run_all_but_the_watcher(held_tasks)  # the first is sent, the second refused a slot
    [token] = held_tasks.named("watch_slots")
    assert Job.objects.get(pk=second.pk).waiting_reason.startswith("Waiting for a slot")

    held_tasks.clear()
    slot_watch.watch(token)  # no worker runs the syncs it asks: its share spent, it hands on

    assert held_tasks.named("sync_job") == [first.pk]
    assert held_tasks.named("watch_slots") == [token] and cache.get(WATCHER_LEASE_KEY) == token
    held_tasks.remove(("watch_slots", token))
    run_all_but_the_watcher(held_tasks)  # the sync sees the first final; its slot goes to the second
    slot_watch.watch(token)  # nothing waits: the watcher ends

    first, second = (Job.objects.get(pk=job.pk) for job in (first, second))
    assert first.state == JobState.SUCCEEDED
    # sent: the watcher's last sync may already have seen it start at the fast sandbox
    assert second.state in (JobState.QUEUED, JobState.RUNNING) and second.remote_id
    assert cache.get(WATCHER_LEASE_KEY) is None and slots.in_flight(account.pk) == 1


def test_a_watcher_whose_lease_another_holds_stops_at_once(owner, console_on_sandbox, held_tasks, workers,
                                                           quick_rounds):
    with_cap(account_of(owner, "netmind"), 1)
    new_job(owner, prompt="a tern"), new_job(owner, prompt="a cormorant")
    held_tasks.clear()
    cache.set(WATCHER_LEASE_KEY, "another watcher's", 30)

    slot_watch.watch("mine")

    assert held_tasks == [] and cache.get(WATCHER_LEASE_KEY) == "another watcher's"


def test_with_one_worker_per_cluster_no_watcher_holds_it(owner, console_on_sandbox, held_tasks, workers,
                                                         monkeypatch):
    monkeypatch.setattr(Conf, "WORKERS", 1)
    with_cap(account_of(owner, "netmind"), 1)
    new_job(owner, prompt="a plover"), new_job(owner, prompt="a dunlin")

    run_all_but_the_watcher(held_tasks)

    assert held_tasks.named("watch_slots") == [] and cache.get(WATCHER_LEASE_KEY) is None


@pytest.mark.parametrize(("finished", "pauses"), [(True, [1.0, 0.5, 0.5]), (False, [2.0, 2.0, 2.0])])
def test_rounds_quicken_while_jobs_finish_and_slow_down_to_the_busy_sweep_while_none_do(finished, pauses,
                                                                                      monkeypatch):
    monkeypatch.setattr(slot_watch, "ROUND_SECONDS", 2.0)
    monkeypatch.setattr(slot_watch, "FASTEST_ROUND_SECONDS", 0.5)
    seen, pause = [], 2.0 if finished else 1.0
    for _ in range(3):
        pause = slot_watch._next_pause(pause, finished)
        seen.append(pause)
    assert seen == pauses
