"""kill -9 a qcluster (and the workers it forked) five times while jobs are being sent and synced."""

import time

import pytest

from tests.reliability.conftest import CONSOLE_SIDE, job_count, record_figures
from tests.reliability.ledger import FINAL, reckon, wait_until_all_final

pytestmark = pytest.mark.slow

KILLS = 5
# Every call takes this long, so a kill lands while requests are in flight, not between them.
LATENCY_MS = 300


def test_a_worker_killed_five_times_mid_submit_and_mid_sync_loses_no_job_and_creates_none_twice(
        sandbox_factory, live_console):
    sandbox = sandbox_factory(latency_ms=LATENCY_MS, credits=100_000)
    console = live_console(sandbox, workers=2)
    expected = job_count(70)

    started = time.monotonic()
    console.call(f"{CONSOLE_SIDE}.create_jobs", "owner", expected)
    for _ in range(KILLS):
        time.sleep(2)
        console.kill_hard("worker-0")
        console.start_worker("worker-0")
    wait_until_all_final(console.var_dir / "db.sqlite3", expected, timeout=300)
    seconds = time.monotonic() - started
    report = console.call(f"{CONSOLE_SIDE}.job_report")
    ledger = reckon(report, expected, sandbox)
    stranded = sum(job["went_unknown"] for job in report)
    record_figures("worker_kill", {**ledger.as_dict(), "kills": KILLS, "reconciled_after_kill": stranded,
                                   "wall_seconds": round(seconds)})

    stuck = [job for job in report if job["state"] not in FINAL]
    assert ledger.lost == 0, f"{ledger.lost} of {expected} jobs never reached a final state: {stuck}"
    assert ledger.duplicated == 0 and ledger.orphans == 0
    assert ledger.failed_by_fault == [], "a job failed because a worker died"
