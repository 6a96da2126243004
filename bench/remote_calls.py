"""Remote calls benchmark: provider calls the sweep spends syncing 10, 100 and 1,000 active jobs.

    .venv/bin/python bench/remote_calls.py [--active 10 100 1000] [--sweeps 3] [--speed 0.01] [--json out.json]

Starts a sandbox at a slow `--speed` (at 0.01 an image generation takes 1,000 s, so every job stays
active throughout) and a fresh SQLite console in this process (bench/gallery.py's setup) with django-q2
in sync mode, so the tasks a sweep queues run inline and each sweep's calls have all happened when it
returns. Submits Qwen-Image jobs through the `submit` command's form up to each `--active` count (one
account), then runs `jobs.sweeps.sweep_active_jobs` `--sweeps` times per strategy and counts the
sandbox's calls (/_sandbox/calls, reset before each strategy):
- list sweep: the default; one list call per account once LIST_SWEEP_THRESHOLD (5) jobs are active;
- per-job GETs: the same sweep with LIST_SWEEP_THRESHOLD raised above the active count, so every job gets
  its own GET, as the jobs of an account under the threshold do.
Prints calls per sweep, calls per active job per sweep and the sweep's wall time with its tasks run inline,
one after another (a qcluster spreads them over its workers; sync mode adds django-q's own overhead per
task). A benchmark, not a test.
"""

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detection_latency import make_user, submit  # noqa: E402
from gallery import setup_django  # noqa: E402
from scaleout import calls_per_job, run_and_report  # noqa: E402

from tests.fixtures.sandbox import SandboxProcess  # noqa: E402

STRATEGIES = {"list sweep (default)": False, "per-job GETs": True}  # name -> LIST_SWEEP_THRESHOLD raised


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--active", type=int, nargs="+", default=[10, 100, 1000], help="active job counts")
    parser.add_argument("--sweeps", type=int, default=3, help="sweeps timed per strategy and count")
    parser.add_argument("--speed", type=float, default=0.01, help="sandbox speed: slow, so jobs stay active")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def setup_console(sandbox_url: str):
    """A scratch SQLite console whose new users get sandbox accounts, running queued tasks inline."""
    os.environ.update(CONSOLE_SANDBOX="true", SANDBOX_URL=sandbox_url)
    setup_django(f"sqlite:///{tempfile.mkdtemp(prefix='bench-calls-')}/db.sqlite3")
    from django_q.conf import Conf

    Conf.SYNC = True


def measure_strategy(sandbox, raise_threshold: bool, active: int, sweeps: int) -> dict:
    from jobs import sweeps

    sandbox.reset()
    seconds = []
    forcing_gets = mock.patch.object(sweeps, "LIST_SWEEP_THRESHOLD", math.inf) if raise_threshold else nullcontext()
    with forcing_gets:
        for _ in range(sweeps):
            started = time.perf_counter()
            sweeps.sweep_active_jobs()
            seconds.append(time.perf_counter() - started)
    per_sweep = calls_per_job(sandbox.calls(), sweeps)  # the counts by kind, divided by the sweeps
    calls = per_sweep["get"] + per_sweep["list"]
    return {"calls_per_sweep": round(calls, 2), "calls_per_job_per_sweep": round(calls / active, 3),
            "gets_per_sweep": per_sweep["get"], "lists_per_sweep": per_sweep["list"],
            "sweep_seconds": round(statistics.median(seconds), 3)}


def run(args) -> dict:
    results = {}
    with SandboxProcess(Path(tempfile.mkdtemp(prefix="bench-calls-sandbox-")), speed=args.speed) as sandbox:
        setup_console(sandbox.url)
        from jobs.models import Job

        user = make_user()
        for active in sorted(args.active):
            while Job.objects.filter(state__in=["queued", "running"]).count() < active:
                submit(user, "a lighthouse, sweep take")
            assert Job.objects.count() == active, "every submitted job should still be active"
            results[active] = {name: measure_strategy(sandbox, raise_threshold, active, args.sweeps)
                               for name, raise_threshold in STRATEGIES.items()}
    return {"speed": args.speed, "sweeps": args.sweeps, "results": results}


def print_table(report):
    print(f"\nSweeps of active Qwen-Image jobs on one account (sandbox speed {report['speed']}), "
          f"{report['sweeps']} sweeps each\n")
    print(f"{'active':>7}  {'strategy':<22}{'calls/sweep':>12}{'per job':>9}{'sweep s':>9}")
    for active, strategies in report["results"].items():
        for name, row in strategies.items():
            print(f"{active:>7}  {name:<22}{row['calls_per_sweep']:>12}{row['calls_per_job_per_sweep']:>9}"
                  f"{row['sweep_seconds']:>9}")


def main():
    run_and_report(parse_args, run, print_table)


if __name__ == "__main__":
    main()
