"""A provider account's concurrency cap: at most `concurrency_cap` of its jobs in flight at the provider; the
others wait, saying so, and go as slots free, oldest first. Against the sandbox over HTTP."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from jobs import batch_control, slots, sweeps
from jobs.models import IN_FLIGHT_STATES, TERMINAL_STATES, Job, JobState
from jobs.slots import STALE_CLAIM
from netmind_console.accounts.services import remove_account
from tests.fixtures.console import account_of, wait_until_final, with_cap
from tests.jobs.batching import held_tasks, new_job, started  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

CREATES = "POST /v1/generation"


def states(jobs) -> list[str]:
    by_pk = dict(Job.objects.filter(pk__in=[job.pk for job in jobs]).values_list("pk", "state"))
    return [by_pk[job.pk] for job in jobs]


def in_flight(state: str) -> bool:
    return state in IN_FLIGHT_STATES


def test_with_a_cap_of_two_a_third_job_waits_for_a_slot_saying_so_and_is_not_sent(owner, owner_client,
                                                                                  console_on_sandbox):
    console_on_sandbox.configure(speed=0.05)  # images take 200 s: the first two stay in flight
    account = with_cap(account_of(owner, "netmind"), 2)

    first, second, third = [new_job(owner, prompt=f"kite {n}") for n in range(3)]

    assert [in_flight(state) for state in states([first, second, third])] == [True, True, False]
    third.refresh_from_db()
    assert third.state == JobState.PENDING
    assert third.waiting_reason == f"Waiting for a slot: {account.label} sends at most 2 at once."
    assert "Waiting for a slot" in owner_client.get(f"/jobs/{third.uuid}/").content.decode()
    assert console_on_sandbox.calls()[CREATES] == 2


def test_a_job_seen_finished_hands_its_slot_to_the_oldest_waiting_job_at_once(owner, console_on_sandbox):
    console_on_sandbox.configure(speed=5)  # images take 2 s: none is done before the console sends the next
    with_cap(account_of(owner, "netmind"), 2)
    jobs = [new_job(owner, prompt=f"lantern {n}") for n in range(5)]
    assert console_on_sandbox.calls()[CREATES] == 2

    # The console learns that a job finished when it syncs it: here, as a watching page would.
    wait_until_final(jobs[0])

    assert [in_flight(state) for state in states(jobs[1:])] == [True, True, False, False]
    assert console_on_sandbox.calls()[CREATES] == 3

    wait_until_final(jobs[1])

    assert [in_flight(state) for state in states(jobs[2:])] == [True, True, False]
    assert [wait_until_final(job).state for job in jobs] == [JobState.SUCCEEDED] * 5
    assert console_on_sandbox.calls()[CREATES] == 5


@pytest.mark.parametrize("state", IN_FLIGHT_STATES)
def test_the_cap_counts_a_job_that_is(state, owner, held_tasks, console_on_sandbox):
    with_cap(account_of(owner, "netmind"), 1)
    counted, next_job = new_job(owner, prompt="the one in flight"), new_job(owner, prompt="the next one")
    Job.objects.filter(pk=counted.pk).update(state=state)

    assert slots.in_flight(counted.account_id) == 1
    assert slots.take(next_job) is False
    next_job.refresh_from_db()
    assert next_job.state == JobState.PENDING and next_job.waiting_reason.startswith("Waiting for a slot")


@pytest.mark.parametrize("state", [JobState.PENDING, *TERMINAL_STATES])
def test_the_cap_does_not_count_a_job_that_is(state, owner, held_tasks, console_on_sandbox):
    with_cap(account_of(owner, "netmind"), 1)
    other, next_job = new_job(owner, prompt="not in flight"), new_job(owner, prompt="the next one")
    Job.objects.filter(pk=other.pk).update(state=state)

    assert slots.take(next_job) is True
    assert Job.objects.get(pk=next_job.pk).state == JobState.SUBMITTING


def test_a_paused_batchs_jobs_are_not_sent_even_with_free_slots_and_go_at_once_on_resume(
        owner, held_tasks, console_on_sandbox):
    console_on_sandbox.configure(speed=0.05)
    with_cap(account_of(owner, "netmind"), 10)
    batch = started(owner, prompts="a red kite\na blue kite\na green kite")
    batch_control.pause(batch, owner)

    held_tasks.run_all()  # the sends Start asked for run after the pause
    sweeps.sweep_active_jobs(now=timezone.now() + timedelta(minutes=5))
    held_tasks.run_all()

    assert states(batch.jobs.all()) == [JobState.PENDING] * 3
    assert slots.fill(batch.account_id) == 0
    assert CREATES not in console_on_sandbox.calls()

    batch_control.resume(batch, owner)  # no stale claim to wait out: the sends that found it paused answered theirs
    held_tasks.run_all()
    assert console_on_sandbox.calls()[CREATES] == 3


def test_a_waiting_job_whose_account_is_removed_fails_with_the_reason_instead_of_waiting_forever(
        owner, console_on_sandbox):
    console_on_sandbox.configure(speed=0.05)
    account = with_cap(account_of(owner, "netmind"), 1)
    new_job(owner, prompt="in flight")
    waiting = new_job(owner, prompt="waiting")

    remove_account(account, actor=owner)
    sweeps.sweep_active_jobs(now=timezone.now() + timedelta(minutes=1))

    waiting.refresh_from_db()
    assert waiting.state == JobState.FAILED
    assert waiting.error_message == "The provider account for this job was removed."
    assert console_on_sandbox.calls()[CREATES] == 1


def test_the_sweep_offers_every_accounts_free_slots_and_asks_again_only_when_a_claim_is_stale(
        owner, other, held_tasks, console_on_sandbox):
    console_on_sandbox.configure(speed=0.05)  # none finishes, so no slot frees during the test
    alices = [new_job(owner, prompt=f"alice {n}") for n in range(5)]
    bobs = [new_job(other, prompt=f"bob {n}") for n in range(4)]
    with_cap(account_of(owner, "netmind"), 2)
    with_cap(account_of(other, "netmind"), 3)
    held_tasks.clear()  # the sends the form asked for were lost: only the sweep can send these jobs now
    now = timezone.now() + timedelta(minutes=1)

    sweeps.sweep_active_jobs(now=now)

    asked = held_tasks.named("submit_job")
    assert sorted(asked) == sorted(job.pk for job in alices[:2] + bobs[:3])

    held_tasks.clear()
    sweeps.sweep_active_jobs(now=now + timedelta(seconds=1))
    assert held_tasks.named("submit_job") == []  # asked already: their tasks may still be in the queue

    sweeps.sweep_active_jobs(now=now + STALE_CLAIM + timedelta(seconds=1))
    assert sorted(held_tasks.named("submit_job")) == sorted(asked)  # a task that old was lost: asked again

    held_tasks.run_all()
    assert console_on_sandbox.calls()[CREATES] == 5
    assert [in_flight(state) for state in states(alices + bobs)] == [True] * 2 + [False] * 3 + [True] * 3 + [False]


def test_raising_the_cap_lets_more_jobs_go_at_the_next_sweep(owner, console_on_sandbox):
    console_on_sandbox.configure(speed=0.05)
    account = with_cap(account_of(owner, "netmind"), 1)
    jobs = [new_job(owner, prompt=f"heron {n}") for n in range(4)]
    assert console_on_sandbox.calls()[CREATES] == 1

    with_cap(account, 3)
    sweeps.sweep_active_jobs()

    assert [in_flight(state) for state in states(jobs)] == [True, True, True, False]
    assert console_on_sandbox.calls()[CREATES] == 3


def take_waiting_for_locks(job) -> bool:
    """SQLite's in-memory test database (shared cache) answers "table is locked" at once where the console's file
    database waits (busy timeout): wait here the same way. PostgreSQL never raises it: its workers queue on the
    account's row lock."""
    for _ in range(2000):
        try:
            return slots.take(job)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.005)
    raise AssertionError("the database stayed locked")


WORKERS, CAP, ROUNDS = 8, 3, 3


def test_many_workers_taking_slots_of_one_account_at_once_never_put_more_than_the_cap_in_flight(
        owner, held_tasks, console_on_sandbox):
    account = with_cap(account_of(owner, "netmind"), CAP)
    jobs = [new_job(owner, prompt=f"crowd {n}") for n in range(WORKERS * 4)]

    for _ in range(ROUNDS):
        pending = list(Job.objects.filter(state=JobState.PENDING).order_by("?"))
        start = threading.Barrier(WORKERS)
        taken, errors = [], []

        def worker(share):
            try:
                start.wait()
                for job in share:
                    if take_waiting_for_locks(job):
                        taken.append(job.pk)
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(pending[n::WORKERS],)) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert errors == []
        assert len(taken) == CAP and slots.in_flight(account.pk) == CAP
        # The round's jobs finish; the next round competes for the freed slots.
        Job.objects.filter(pk__in=taken).update(state=JobState.SUCCEEDED)

    assert Job.objects.filter(state=JobState.SUCCEEDED).count() == CAP * ROUNDS
    waiting = Job.objects.filter(state=JobState.PENDING)
    assert waiting.count() == len(jobs) - CAP * ROUNDS
    assert all(reason.startswith("Waiting for a slot") for reason in waiting.values_list("waiting_reason", flat=True))
