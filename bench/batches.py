"""Batch benchmark: a 1,000-job batch through an account's concurrency cap, against the ideal the cap allows.

    .venv/bin/python bench/batches.py [--jobs 1000] [--cap 8] [--speed 50] [--clusters 3] [--workers 2]
        [--sweep-seconds N] [--redis-db 15] [--json out.json]

The scaled-out set-up (bench/scaleout.py's, tests/fixtures/scaled.py): a sandbox at `--speed`, a fresh
`scaled_batch_cap_bench` PostgreSQL database and Redis db `--redis-db`, and `--clusters` qcluster processes of
`--workers` each. One user's NetMind account gets a cap of `--cap`; a batch of `--jobs` Qwen-Image prompts is
drafted through the batch form and started, and the script waits until every job is final. Prints:
- time to all final (from Start) against the ideal: jobs ÷ cap × one job's life at the provider at that speed
  (10 s ÷ speed for an image), as if every slot were refilled the instant its job finished;
- the most jobs alive at the provider at once, from the sandbox's own record (/_sandbox/lifetimes: each remote
  job's creation and completion time), which must not exceed the cap;
- how busy the slots were (the jobs' lives at the provider ÷ (cap × wall time)) and the provider calls per job
  (creates, per-job GETs, list calls), remote creates beyond one per job and jobs lost.
Without `--sweep-seconds` the clusters keep the console's defaults (a sweep a minute, and every
CONSOLE_BUSY_SWEEP_SECONDS while jobs wait for a slot): a deployment's figure. With it, sweeps come that often.
Needs the local PostgreSQL and Redis servers. A benchmark, not a test.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaleout import FINAL, calls_per_job, run_and_report  # noqa: E402

from netmind_console.sandbox.lifecycle import DURATIONS  # noqa: E402
from tests.fixtures.sandbox import SandboxProcess  # noqa: E402
from tests.fixtures.scaled import ScaledConsole, most_alive_at_once, provider_lifetimes, wait_for  # noqa: E402

MODEL = "Qwen/Qwen-Image"  # a NetMind generation: alive at the provider for its whole duration


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--cap", type=int, default=8, help="the provider account's concurrency cap")
    parser.add_argument("--speed", type=float, default=50, help="sandbox speed: an image lives 10 s / speed")
    parser.add_argument("--clusters", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per cluster")
    parser.add_argument("--sweep-seconds", type=int, help="CONSOLE_SWEEP_SECONDS and CONSOLE_BUSY_SWEEP_SECONDS "
                                                          "(default: the console's own defaults)")
    parser.add_argument("--redis-db", type=int, default=15, help="emptied first (as bench/scaleout.py's)")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def sweep_settings(args) -> dict:
    if args.sweep_seconds is None:
        return {}
    return {"CONSOLE_SWEEP_SECONDS": args.sweep_seconds, "CONSOLE_BUSY_SWEEP_SECONDS": args.sweep_seconds}


def run(args) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="bench-batches-"))
    with SandboxProcess(scratch / "sandbox", speed=args.speed) as sandbox, \
            ScaledConsole("batch_cap_bench", scratch / "console", sandbox.url, redis_db=args.redis_db,
                          CONSOLE_WORKERS=args.workers, **sweep_settings(args)) as console:
        console.create_user("bench")
        console.set_cap("bench", args.cap)
        for _ in range(args.clusters):
            console.start_cluster()
        console.start_sweeping()
        started = time.monotonic()
        console.start_batch("bench", [f"product shot {n}: a teapot on slate" for n in range(args.jobs)], model=MODEL)
        start_seconds = time.monotonic() - started

        def all_final():
            states = console.job_states()
            return sum(states.values()) == args.jobs and set(states) <= FINAL and states

        states = wait_for(all_final, 3600, "every job of the batch to end final")
        wall = time.monotonic() - started
        lifetimes = provider_lifetimes(sandbox)
        stats = sandbox.stats()
        [(distinct_remote,)] = console.query("SELECT count(DISTINCT remote_id) FROM jobs_job WHERE remote_id <> ''")
        job_seconds = DURATIONS["image"] / args.speed
        ideal = args.jobs / args.cap * job_seconds
        lived = sum(lifetime["finished"] - lifetime["created"] for lifetime in lifetimes)
        return {
            "set_up": f"PostgreSQL + Redis, {args.clusters} qcluster x {args.workers} workers",
            "jobs": args.jobs, "cap": args.cap, "speed": args.speed, "job_seconds": job_seconds,
            "sweep_seconds": args.sweep_seconds or "console defaults",
            "start_seconds": round(start_seconds, 1), "wall_seconds": round(wall, 1),
            "ideal_seconds": round(ideal, 1), "wall_over_ideal": round(wall / ideal, 2),
            "most_alive_at_provider": most_alive_at_once(lifetimes),
            "slot_use": round(lived / (args.cap * wall), 3),
            "states": states, "lost": args.jobs - sum(states.values()),
            "duplicate_creates": stats["outcomes"]["POST /v1/generation"].get("none", 0) - distinct_remote,
            "calls_per_job": calls_per_job(stats["calls"], args.jobs),
        }


def print_table(report):
    print(f"\n{report['jobs']:,}-job batch, cap {report['cap']}, sandbox --speed {report['speed']} "
          f"(one image lives {report['job_seconds']} s); {report['set_up']}, sweeps: {report['sweep_seconds']}\n")
    rows = [
        ("batch drafted and started", f"{report['start_seconds']} s"),
        ("all final (from Start)", f"{report['wall_seconds']} s"),
        ("ideal (jobs / cap x one job)", f"{report['ideal_seconds']} s ({report['wall_over_ideal']}x)"),
        ("most alive at the provider", f"{report['most_alive_at_provider']} (cap {report['cap']})"),
        ("slots in use", f"{report['slot_use']:.0%} of cap x wall time"),
        ("final states", json.dumps(report["states"])),
        ("duplicate creates / lost", f"{report['duplicate_creates']} / {report['lost']}"),
        ("provider calls per job", json.dumps(report["calls_per_job"])),
    ]
    for name, value in rows:
        print(f"{name:<32}{value}")


def main():
    run_and_report(parse_args, run, print_table)


if __name__ == "__main__":
    main()
