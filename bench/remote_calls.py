"""Remote calls benchmark: what the sweep spends reading 10, 100 and 1,000 active jobs of an account with a long
history, one list call against a GET per job, and which of the two the default chose.

    .venv/bin/python bench/remote_calls.py [--active 10 100 1000] [--history 10000] [--sweeps 3] [--speed 0.01]
        [--json out.json]

Starts a sandbox and a fresh SQLite console in this process (bench/gallery.py's setup) with django-q2 in sync
mode, so the tasks a sweep queues run inline and each sweep's calls have all happened when it returns. First
`--history` finished generations are made on the account at the sandbox (run fast meanwhile, so each is finished at
once: the account's past, which the generation list carries in every answer, being unpaginated). Then, the sandbox at
a slow `--speed` (at 0.01 an image generation takes 1,000 s, so every job stays active throughout), Qwen-Image jobs
are submitted through the `submit` command's form up to each `--active` count (the account's concurrency cap raised
past the 500 an admin may set, so that all of them are sent at once), and `jobs.sweeps.sweep_active_jobs` runs
`--sweeps` times, a second apart (no job is read twice a second), for each way of reading:
- list sweep: one list call for the account (`sweeps.prefers_list` forced on);
- per-job GETs: a GET per active job (forced off);
- adaptive (default): the sweep's own choice, from what the last list call and a typical GET cost
  (jobs/read_costs.py); run after the other two, which leave their figures behind as earlier sweeps would.
Prints per sweep the provider calls, the bytes the sandbox answered with (its /_sandbox/calls counters) and the
sweep's wall time with its tasks run inline one after another (a qcluster spreads them over its workers; sync mode
adds django-q's own overhead per task), and what the adaptive sweeps chose. A benchmark, not a test.
"""

import argparse
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

from detection_latency import MODEL, make_user, submit  # noqa: E402
from gallery import setup_django  # noqa: E402
from scaleout import calls_per_job, run_and_report  # noqa: E402

from tests.fixtures.sandbox import SandboxProcess  # noqa: E402

STRATEGIES = {"list sweep": True, "per-job GETs": False, "adaptive (default)": None}  # name -> prefers_list forced
LIST, GET = "GET /v1/generation", "GET /v1/generation/{id}"
AT_ONCE_SPEED = 1e6  # a generation made at this sandbox speed is finished when created


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--active", type=int, nargs="+", default=[10, 100, 1000], help="active job counts")
    parser.add_argument("--history", type=int, default=10_000, help="finished generations on the account")
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


def make_history(sandbox, account, count: int, speed: float) -> float:
    """`count` finished generations on the account, made at the sandbox; the seconds it took."""
    from netmind_console.accounts.services import client_for_account

    started = time.perf_counter()
    sandbox.configure(speed=AT_ONCE_SPEED)
    with client_for_account(account) as client:
        for n in range(count):
            client.create_generation(MODEL, {"prompt": f"an old lighthouse, take {n}"})
    sandbox.configure(speed=speed)
    return time.perf_counter() - started


def sweep_a_second_apart(sweeps_module) -> float:
    """One sweep, begun a second after the last one's claims; its wall time."""
    started = time.perf_counter()
    sweeps_module.sweep_active_jobs()
    seconds = time.perf_counter() - started
    time.sleep(max(0.0, 1.0 - seconds))
    return seconds


def measure_strategy(sandbox, forced: bool | None, active: int, sweeps: int) -> dict:
    from jobs import sweeps as sweeps_module

    sandbox.reset()
    seconds, chose = [], []
    forcing = mock.patch.object(sweeps_module, "prefers_list", lambda *_: forced) if forced is not None else None
    with forcing or nullcontext():
        for _ in range(sweeps):
            lists_before = sandbox.calls().get(LIST, 0)
            seconds.append(sweep_a_second_apart(sweeps_module))
            chose.append("list" if sandbox.calls().get(LIST, 0) > lists_before else "GETs")
    stats = sandbox.stats()
    per_sweep = calls_per_job(stats["calls"], sweeps)  # the counts by kind, divided by the sweeps
    calls = per_sweep["get"] + per_sweep["list"]
    row = {"calls_per_sweep": round(calls, 2), "calls_per_job_per_sweep": round(calls / active, 3),
           "gets_per_sweep": per_sweep["get"], "lists_per_sweep": per_sweep["list"],
           "sweep_seconds": round(statistics.median(seconds), 3),
           "bytes_per_sweep": round(sum(stats["bytes"].get(call, 0) for call in (LIST, GET)) / sweeps)}
    return row | ({"chose": chose} if forced is None else {})


def remembered(account) -> dict:
    from jobs import read_costs

    cost = read_costs.estimate(account.uuid, "generation")
    return {"list_seconds": round(cost.list_seconds, 3), "list_bytes": cost.list_bytes,
            "get_seconds": round(cost.get_seconds, 4)} if cost else {}


def run(args) -> dict:
    results = {}
    with SandboxProcess(Path(tempfile.mkdtemp(prefix="bench-calls-sandbox-")), speed=args.speed) as sandbox:
        setup_console(sandbox.url)
        from jobs.models import Job

        user = make_user()
        # Every job in flight at once: past the 500 an admin may set, which is the form's limit, not the column's.
        user.provider_accounts.update(concurrency_cap=max(args.active))
        account = user.provider_accounts.get(provider="netmind")
        history_seconds = make_history(sandbox, account, args.history, args.speed)
        for active in sorted(args.active):
            while Job.objects.filter(state__in=["queued", "running"]).count() < active:
                submit(user, "a lighthouse, sweep take")
            assert Job.objects.count() == active, "every submitted job should still be active"
            results[active] = {name: measure_strategy(sandbox, forced, active, args.sweeps)
                               for name, forced in STRATEGIES.items()}
            results[active]["adaptive (default)"]["remembered"] = remembered(account)
    return {"speed": args.speed, "sweeps": args.sweeps, "history": args.history,
            "history_seconds": round(history_seconds, 1), "results": results}


def print_table(report):
    print(f"\nSweeps of active Qwen-Image jobs on one account with {report['history']:,} finished generations "
          f"(sandbox speed {report['speed']}), {report['sweeps']} sweeps each\n")
    print(f"{'active':>7}  {'strategy':<20}{'calls/sweep':>12}{'per job':>9}{'MB/sweep':>10}{'sweep s':>9}   chose")
    for active, strategies in report["results"].items():
        for name, row in strategies.items():
            print(f"{active:>7}  {name:<20}{row['calls_per_sweep']:>12}{row['calls_per_job_per_sweep']:>9}"
                  f"{row['bytes_per_sweep'] / 1e6:>10.2f}{row['sweep_seconds']:>9}   {' '.join(row.get('chose', []))}")
        figures = strategies["adaptive (default)"]["remembered"]
        if figures:
            print(f"{'':>9}remembered: last list {figures['list_bytes'] / 1e6:.2f} MB in {figures['list_seconds']} s, "
                  f"a GET {figures['get_seconds']} s")


def main():
    run_and_report(parse_args, run, print_table)


if __name__ == "__main__":
    main()
