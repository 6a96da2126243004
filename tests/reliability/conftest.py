"""Live runs: a sandbox injecting faults, real qcluster workers, a fast sweep, figures written to disk."""

import json

import pytest

from netmind_console.env import env_int
from tests.fixtures.live import LiveConsole
from tests.fixtures.sandbox import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "reliability"
# Short enough that a killed worker's claims and tasks come back within seconds (see settings.py).
FAST_RECOVERY = {"CONSOLE_TASK_TIMEOUT": 10, "PROVIDER_READ_TIMEOUT": 4, "CONSOLE_WORKERS": 2}
SWEEP_EVERY_SECONDS = 2
CONSOLE_SIDE = "tests.reliability.console_side"


@pytest.fixture
def live_console(tmp_path):
    """Start a console against a sandbox: `live_console(sandbox, workers=2)`; stopped after the test."""
    started = []

    def start(sandbox, workers=2, **env) -> LiveConsole:
        console = LiveConsole(tmp_path / "console", sandbox.url, **{**FAST_RECOVERY, **env}).__enter__()
        started.append(console)
        console.call(f"{CONSOLE_SIDE}.make_owner", "owner")
        for n in range(workers):
            console.start_worker(f"worker-{n}")
        # Only the sweeper is told the short interval: in a worker it would also start sleeping sweep chains.
        console.start_loop("sweeper", f"{CONSOLE_SIDE}.sweep_forever", SWEEP_EVERY_SECONDS,
                           env={"CONSOLE_SWEEP_SECONDS": str(SWEEP_EVERY_SECONDS)})
        return console

    yield start
    for console in started:
        console.stop()


def job_count(default: int) -> int:
    return env_int("RELIABILITY_JOBS", default, minimum=7)


def record_figures(name: str, figures: dict):
    """The README's reliability figures come from these files (test-artifacts/ is never committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str))
