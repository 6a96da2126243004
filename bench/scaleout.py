"""Scale-out benchmark: several qcluster processes on PostgreSQL + Redis working through many jobs.

    .venv/bin/python bench/scaleout.py [--jobs 1000] [--clusters 3] [--workers 2] [--fail-rate 0.1]
        [--speed 100] [--task-timeout 120] [--json out.json]

Starts a sandbox (`--speed`, `--fail-rate`), a fresh `scaled_bench` PostgreSQL database and Redis db 15,
and `--clusters` qcluster processes (`--workers` each, sweeps every second), then submits `--jobs` image
jobs through the `submit` command's form in one process and waits until every job is final. Prints the
submission rate, wall time to all-final, throughput, the provider calls per job by kind (creates,
per-job GETs, list calls), remote creates beyond one per job, and each cluster's resident memory (all its
processes) at the end and each time another tenth of the jobs is final, so a leak shows as steady growth
(`--jobs 10000 --fail-rate 0` gives the curve at 1k, 2k, ... 10k). Needs the local PostgreSQL and Redis
servers. A benchmark, not a test.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.sandbox import SandboxProcess  # noqa: E402
from tests.fixtures.scaled import ScaledConsole, wait_for  # noqa: E402

FINAL = {"succeeded", "failed", "cancelled"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per cluster")
    parser.add_argument("--fail-rate", type=float, default=0.1)
    parser.add_argument("--speed", type=float, default=100)
    parser.add_argument("--task-timeout", type=int, default=120,
                        help="CONSOLE_TASK_TIMEOUT of the clusters (the production default; tests use 10-15)")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def cluster_rss_mb(cluster) -> float:
    """Resident memory of a cluster: the qcluster process and every process it forked (one group)."""
    import os

    total_kb = 0
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if os.getpgid(int(process.name)) == cluster.pid:
                status = (process / "status").read_text()
                total_kb += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        except (OSError, StopIteration):
            continue
    return round(total_kb / 1024, 1)


def rss_sampler(clusters, jobs: int, points=10):
    """A curve of each cluster's RSS, and the function that extends it whenever another tenth of the jobs is final."""
    curve, step = {}, max(1, jobs // points)

    def sample(final: int):
        while len(curve) < points and final >= (len(curve) + 1) * step:
            curve[(len(curve) + 1) * step] = [cluster_rss_mb(cluster) for cluster in clusters]

    return curve, sample


def calls_per_job(calls: dict, jobs: int) -> dict:
    kinds = {"create": "POST /v1/generation", "get": "GET /v1/generation/{id}", "list": "GET /v1/generation"}
    return {kind: round(calls.get(template, 0) / jobs, 2) for kind, template in kinds.items()}


def run(args) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    with SandboxProcess(scratch / "sandbox", speed=args.speed, fail_rate=args.fail_rate) as sandbox, \
            ScaledConsole("bench", scratch / "console", sandbox.url, redis_db=15, CONSOLE_WORKERS=args.workers,
                          CONSOLE_SWEEP_SECONDS=1, CONSOLE_TASK_TIMEOUT=args.task_timeout) as console:
        console.create_user("bench")
        clusters = [console.start_cluster() for _ in range(args.clusters)]
        console.start_sweeping()
        rss_curve, sample_rss = rss_sampler(clusters, args.jobs)
        started = time.monotonic()
        submit_seconds = console.submit_many("bench", args.jobs)

        def all_final():
            states = console.job_states()
            sample_rss(sum(count for state, count in states.items() if state in FINAL))
            return sum(states.values()) == args.jobs and set(states) <= FINAL and states

        states = wait_for(all_final, 3600, "every job to end final")
        wall = time.monotonic() - started
        stats = sandbox.stats()
        [(distinct_remote,)] = console.query("SELECT count(DISTINCT remote_id) FROM jobs_job WHERE remote_id <> ''")
        return {
            "jobs": args.jobs, "clusters": args.clusters, "workers_per_cluster": args.workers,
            "fail_rate": args.fail_rate, "speed": args.speed,
            "submit_seconds": round(submit_seconds, 1), "submitted_per_second": round(args.jobs / submit_seconds, 1),
            "wall_seconds": round(wall, 1), "jobs_per_second": round(args.jobs / wall, 1), "states": states,
            "duplicate_creates": stats["outcomes"]["POST /v1/generation"].get("none", 0) - distinct_remote,
            "lost": args.jobs - sum(states.values()),
            "calls_per_job": calls_per_job(stats["calls"], args.jobs), "faults": stats["faults"],
            "cluster_rss_mb": [cluster_rss_mb(cluster) for cluster in clusters], "rss_curve_mb": rss_curve,
        }


def print_table(report):
    print(f"\n{report['jobs']:,} jobs, {report['clusters']} clusters x {report['workers_per_cluster']} workers, "
          f"sandbox fail-rate {report['fail_rate']}, speed {report['speed']}\n")
    rows = [
        ("submitted (saved + queued)", f"{report['submit_seconds']} s, {report['submitted_per_second']} jobs/s"),
        ("all final", f"{report['wall_seconds']} s, {report['jobs_per_second']} jobs/s"),
        ("final states", json.dumps(report["states"])),
        ("duplicate remote creates", report["duplicate_creates"]),
        ("lost jobs", report["lost"]),
        ("provider calls per job", json.dumps(report["calls_per_job"])),
        ("faults injected", json.dumps(report["faults"])),
        ("RSS per cluster, MB", ", ".join(map(str, report["cluster_rss_mb"]))),
    ]
    for name, value in rows:
        print(f"{name:<30}{value}")
    print("\nRSS per cluster (MB) as jobs became final:")
    for final, sizes in report["rss_curve_mb"].items():
        print(f"{final:>10,} final  {', '.join(map(str, sizes))}")


def run_and_report(parse_args, run, print_table):
    """What every live benchmark's main does: run with its arguments, print the table, keep the JSON if asked."""
    args = parse_args()
    report = run(args)
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def main():
    run_and_report(parse_args, run, print_table)


if __name__ == "__main__":
    main()
