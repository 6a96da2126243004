"""Compare the console's Job rows with what the sandbox really created: nothing lost, nothing doubled.

The sandbox's store holds every remote object it ever created and its call log says how many creates
it processed (a faulted call creates nothing). Each remote object must belong to exactly one Job.
"""

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

FINAL = {"succeeded", "failed", "cancelled"}
# adapter -> the sandbox's store kind for the objects its creates leave behind
STORE_KINDS = {"generation": "generation", "haiper_video": "haiper-video", "haiper_image": "haiper-image",
               "apinfer_video": "apinfer-video"}
APINFER_IMAGE_CREATE = "POST /api/v1/generate-image"
# The known hard case: an Apinfer create whose answer was lost cannot be checked (no list call).
UNCHECKABLE = "offers no way to check"


@dataclass
class Ledger:
    jobs: int = 0
    final: int = 0
    lost: int = 0
    duplicated: int = 0  # remote objects claimed by two jobs, or created twice for one job
    orphans: int = 0  # remote objects no job owns (a second create nobody adopted)
    retried: int = 0  # jobs that met a fault on create and were retried or reconciled
    failed_by_fault: list = field(default_factory=list)  # failed for any reason but the uncheckable one
    uncheckable: int = 0  # Apinfer creates reported as "may have run", not re-sent
    uncheckable_reached: int = 0  # ... of which the provider did process the create
    faults_injected: int = 0
    api_calls: int = 0

    def as_dict(self) -> dict:
        return {**self.__dict__, "failed_by_fault": len(self.failed_by_fault)}


def wait_until_all_final(db_path: Path, expected: int, timeout: float, every: float = 2.0):
    """Read the console's SQLite file (read-only) until every job is final, or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = job_states(db_path)
        if sum(states.values()) >= expected and set(states) <= FINAL:
            return
        time.sleep(every)


def job_states(db_path: Path) -> Counter:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        return Counter(dict(db.execute("SELECT state, COUNT(*) FROM jobs_job GROUP BY state").fetchall()))


def reckon(report: list[dict], expected: int, sandbox) -> Ledger:
    ledger = Ledger(jobs=len(report))
    ledger.final = sum(job["state"] in FINAL for job in report)
    ledger.lost = expected - ledger.final
    ledger.retried = sum(bool(job["retried"] or job["went_unknown"]) for job in report)
    for job in report:
        if job["state"] == "failed":
            if UNCHECKABLE in job["error"]:
                ledger.uncheckable += 1
            else:
                ledger.failed_by_fault.append(job)
    for adapter, kind in STORE_KINDS.items():
        _compare_objects(ledger, _of(report, adapter), sandbox.stored_ids(kind))
    _compare_image_creates(ledger, _of(report, "apinfer_image"), sandbox)
    stats = sandbox.stats()
    ledger.faults_injected = sum(n for outcome, n in stats["faults"].items() if outcome != "none")
    ledger.api_calls = sum(stats["calls"].values())
    return ledger


def _of(report, adapter):
    return [job for job in report if job["adapter"] == adapter]


def _uncheckable(jobs) -> int:
    return sum(job["state"] == "failed" and UNCHECKABLE in job["error"] for job in jobs)


def _compare_objects(ledger: Ledger, jobs: list[dict], remote_ids: list[str]):
    owners = Counter(job["remote_id"] for job in jobs if job["remote_id"])
    ledger.duplicated += sum(n - 1 for n in owners.values() if n > 1)
    unowned = len(set(remote_ids) - set(owners))
    # An uncheckable create that did reach the provider leaves one unowned object: the job says so.
    ledger.orphans += max(0, unowned - _uncheckable(jobs))
    ledger.uncheckable_reached += min(unowned, _uncheckable(jobs))


def _compare_image_creates(ledger: Ledger, jobs: list[dict], sandbox):
    """Synchronous images leave no remote object: count the creates the sandbox processed instead."""
    processed = sandbox.stats()["outcomes"].get(APINFER_IMAGE_CREATE, {}).get("none", 0)
    extra = processed - sum(job["state"] == "succeeded" for job in jobs)
    ledger.orphans += max(0, extra - _uncheckable(jobs))
    ledger.uncheckable_reached += max(0, min(extra, _uncheckable(jobs)))
