"""A provider account's concurrency cap holds across worker clusters: three `qcluster` processes on PostgreSQL +
Redis work through a 200-job batch on an account capped at 4, and the provider itself never has more than 4 of
its jobs alive at once (read from the sandbox's own record of when each remote job was created and finished, not
from the console's rows), while every job ends succeeded, none lost and none created twice; also when a worker
is killed with SIGKILL in the middle of a send.

The console holds a slot from its claim (before the create call) until it has synced the job's final state (after
the provider finished it), so each job's life at the provider lies inside the console's slot: the cap must bound
it, and a batch of many more jobs than slots must fill all of them (the cap reached, not only respected).
"""

import os
import signal
import time

import pytest

from netmind_console.sandbox.lifecycle import DURATIONS
from tests.fixtures.sandbox import SandboxProcess
from tests.fixtures.scaled import (
    ScaledConsole,
    most_alive_at_once,
    pids_connected_to,
    provider_lifetimes,
    wait_for,
)

CAP = 4
PROMPTS, SEEDS = 100, 2
JOBS = PROMPTS * SEEDS
CLUSTERS = 3
# A Qwen-Image generation lives 10 s / SPEED = 0.4 s at the provider: long enough that the sends of one round
# overlap there (the cap is reached, about one create in six finds 3 others alive), short enough for a run of
# about a minute (each round also waits for the sweep, every second, to see its jobs finish).
SPEED = 25
SLOW_ANSWER_MS = 3000  # while a worker is to be killed, the sandbox answers every call this late (after the work)
FINAL = {"succeeded", "failed", "cancelled"}


def batch_console(name, tmp_path, sandbox, redis_db) -> ScaledConsole:
    return ScaledConsole(name, tmp_path / "console", sandbox.url, redis_db=redis_db, CONSOLE_WORKERS=2,
                         CONSOLE_SWEEP_SECONDS=1, CONSOLE_TASK_TIMEOUT=8)


def start_capped_batch(console) -> float:
    """Alice's NetMind account capped at CAP, CLUSTERS clusters sweeping, her batch started; when it started."""
    console.create_user("alice")
    console.set_cap("alice", CAP)
    for _ in range(CLUSTERS):
        console.start_cluster()
    console.start_sweeping()
    started = time.monotonic()
    console.start_batch("alice", [f"product shot {n}: a teapot on slate" for n in range(PROMPTS)], seeds=SEEDS)
    return started


def all_final(console):
    states = console.job_states()
    return sum(states.values()) == JOBS and set(states) <= FINAL and states


def count_final(console) -> int:
    return sum(count for state, count in console.job_states().items() if state in FINAL)


def assert_cap_held_and_nothing_lost_or_doubled(console, sandbox, started: float, what: str):
    states = wait_for(lambda: all_final(console), 150, f"the {JOBS}-job batch to end final")
    wall = time.monotonic() - started
    lifetimes = provider_lifetimes(sandbox)
    creates = sandbox.stats()["outcomes"]["POST /v1/generation"]
    [(in_batch, with_remote, distinct_remote)] = console.query(
        "SELECT count(*), count(*) FILTER (WHERE remote_id <> ''), count(DISTINCT NULLIF(remote_id, '')) "
        "FROM jobs_job WHERE batch_id IS NOT NULL")
    most_alive = most_alive_at_once(lifetimes)
    ideal = JOBS / CAP * DURATIONS["image"] / SPEED
    print(f"\n{what}: {JOBS} jobs, cap {CAP}, {CLUSTERS} clusters: all final in {wall:.1f} s (ideal {ideal:.1f} s); "
          f"most alive at the provider at once {most_alive}; states {states}; create outcomes {creates}")

    assert states == {"succeeded": JOBS}
    assert in_batch == JOBS
    assert most_alive == CAP
    assert creates["none"] == len(lifetimes) == with_remote == distinct_remote == JOBS
    assert {lifetime["status"] for lifetime in lifetimes} == {"completed"}


@pytest.mark.slow
def test_three_clusters_never_have_more_than_the_cap_alive_at_the_provider(scaled_services, tmp_path):
    with SandboxProcess(tmp_path / "sandbox", speed=SPEED) as sandbox, \
            batch_console("batch_cap", tmp_path, sandbox, redis_db=11) as console:
        started = start_capped_batch(console)

        assert_cap_held_and_nothing_lost_or_doubled(console, sandbox, started, "three clusters")


def kill_a_worker_mid_send(console, sandbox) -> set[int]:
    """Slow the provider's answers, wait until a create has been made but its answer not yet received (the
    console has fewer remote ids than the sandbox has jobs), and SIGKILL every worker then talking to the sandbox:
    the sender among them. django-q2 starts a new worker in its place; the dead one's task is gone with it."""
    sandbox.configure(latency_ms=SLOW_ANSWER_MS)

    def senders():
        [(recorded,)] = console.query("SELECT count(*) FROM jobs_job WHERE remote_id <> ''")
        if len(provider_lifetimes(sandbox)) <= recorded:
            return set()
        return {pid for cluster in console.clusters for pid in pids_connected_to(sandbox.port, os.getpgid(cluster.pid))}

    killed = wait_for(senders, 30, "a create whose answer is on its way")
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    sandbox.configure(latency_ms=0)
    return killed


@pytest.mark.slow
def test_the_cap_holds_and_no_job_is_lost_or_doubled_when_a_worker_is_killed_mid_send(scaled_services, tmp_path):
    with SandboxProcess(tmp_path / "sandbox", speed=SPEED) as sandbox, \
            batch_console("batch_cap_killed", tmp_path, sandbox, redis_db=12) as console:
        started = start_capped_batch(console)
        wait_for(lambda: count_final(console) >= JOBS // 5, 60, "a fifth of the batch to end final")

        killed = kill_a_worker_mid_send(console, sandbox)

        print(f"\nkilled worker(s) {sorted(killed)} mid-send")
        assert_cap_held_and_nothing_lost_or_doubled(console, sandbox, started, "a worker killed mid-send")
        notes = [note for (note,) in console.query("SELECT note FROM jobs_jobevent")]
        assert "The worker stopped while sending" in notes
