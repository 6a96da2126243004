"""Three worker clusters share one PostgreSQL database and one Redis queue while the provider faults one
call in ten: every job ends final, none is created twice remotely and none is lost."""

import time

import pytest

from netmind_console.accounts.models import MAX_CONCURRENCY_CAP
from tests.fixtures.sandbox import SandboxProcess
from tests.fixtures.scaled import ScaledConsole, wait_for

JOBS = 1000
CLUSTERS = 3
FINAL = {"succeeded", "failed", "cancelled"}


def all_final(console, count):
    states = console.job_states()
    return sum(states.values()) == count and set(states) <= FINAL and states


@pytest.mark.slow
def test_three_workers_finish_a_thousand_faulty_jobs_with_no_double_create_and_no_loss(scaled_services, tmp_path):
    with SandboxProcess(tmp_path / "sandbox", speed=100, fail_rate=0.1) as sandbox, \
            ScaledConsole("many_workers", tmp_path / "console", sandbox.url, redis_db=14, CONSOLE_WORKERS=2,
                          CONSOLE_SWEEP_SECONDS=1, CONSOLE_TASK_TIMEOUT=15) as console:
        console.create_user("alice")
        # Many jobs in flight at once, as before accounts had a cap: the cap itself is tested in test_batch_cap.py.
        console.set_cap("alice", MAX_CONCURRENCY_CAP)
        for _ in range(CLUSTERS):
            console.start_cluster()
        console.start_sweeping()
        started = time.monotonic()
        submit_seconds = console.submit_many("alice", JOBS)
        states = wait_for(lambda: all_final(console, JOBS), 300, f"{JOBS} jobs to end final")
        wall = time.monotonic() - started

        [(with_remote, distinct_remote)] = console.query(
            "SELECT count(*), count(DISTINCT remote_id) FROM jobs_job WHERE remote_id <> ''")
        creates = sandbox.stats()["outcomes"]["POST /v1/generation"]
        print(f"\n{JOBS} jobs, {CLUSTERS} clusters: submitted in {submit_seconds:.1f} s, all final in {wall:.1f} s "
              f"({JOBS / wall:.1f} jobs/s); states {states}; create outcomes {creates}")
        assert states == {"succeeded": JOBS}
        assert creates["none"] == with_remote == distinct_remote == JOBS
