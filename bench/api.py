"""API benchmark: create throughput of POST /api/v1/jobs, and server time and SQL queries of GET /api/v1/jobs
and GET /api/v1/jobs/{uuid} at 100,000 jobs.

    .venv/bin/python bench/api.py [--rows 100000] [--requests 30] [--json out.json]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Uses bench/gallery.py's scratch database and bench/job_pages.py's fill (`--rows` jobs of one user's personal
workspace, a fifth as many of another's), then, through django.test.Client with a write key: the first page of
GET /jobs, a page deep down by its cursor, the list filtered to active jobs and by model, one finished job,
and then `--creates` POST /jobs (saved and queued; no worker runs, so nothing is sent). Goal (issue 15):
p95 ≤ 50 ms and ≤ 8 queries. A benchmark, not a test.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from gallery import measure, scratch_database_url, setup_django
from job_pages import fill


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="jobs of the measured user (default 100000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per read (default 30)")
    parser.add_argument("--creates", type=int, default=200, help="jobs created through the API (default 200)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; the benchmark uses its own database there")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def deep_cursor(user) -> str:
    """The position 90 % of the way down the list, as the previous page's `next_cursor` would give it."""
    from jobs.forms import cursor_for
    from jobs.models import Job

    jobs = Job.objects.filter(owner=user).order_by("-created_at", "-id")
    return cursor_for(jobs[jobs.count() * 9 // 10])


def create_throughput(client, headers, count: int) -> dict:
    body = json.dumps({"model": "Qwen/Qwen-Image", "prompt": "a lighthouse at dusk"})
    started = time.perf_counter()
    timings = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.post("/api/v1/jobs", body, content_type="application/json", headers=headers)
        assert response.status_code == 201, response.content[:300]
        timings.append((time.perf_counter() - began) * 1000)
    elapsed = time.perf_counter() - started
    return {"jobs_per_second": round(count / elapsed, 1), "median_ms": round(statistics.median(timings), 1)}


def main():
    args = parse_args()
    os.environ["CONSOLE_SANDBOX"] = "true"  # the workspace gets sandbox accounts to submit with
    setup_django(scratch_database_url(args.database_url))
    from django.db import connection
    from django.test import Client

    from jobs.models import Job
    from netmind_console.accounts.services import ensure_sandbox_accounts
    from netmind_console.api.keys import create_key
    from netmind_console.workspaces.services import personal_workspace

    user, fill_seconds = fill(args.rows)
    ensure_sandbox_accounts(personal_workspace(user), added_by=user)  # jobs are saved and queued, never sent
    _key, secret = create_key(user, personal_workspace(user), "bench", "write")
    headers = {"Authorization": f"Bearer {secret}"}
    client = Client()
    finished = Job.objects.filter(owner=user, state="succeeded").order_by("-created_at")[500]
    reads = [
        ("GET /jobs (first page of 25)", "/api/v1/jobs"),
        ("GET /jobs?limit=100", "/api/v1/jobs?limit=100"),
        ("GET /jobs, 90 % down (cursor)", f"/api/v1/jobs?cursor={deep_cursor(user)}"),
        ("GET /jobs?state=active", "/api/v1/jobs?state=active"),
        ("GET /jobs?model=…", "/api/v1/jobs?model=hkchengrex/MMAudio"),
        ("GET /jobs/{uuid}", f"/api/v1/jobs/{finished.uuid}"),
    ]
    results = {name: measure(client, url, headers, args.requests) for name, url in reads}
    creates = create_throughput(client, headers, args.creates)
    report = {"database": connection.vendor, "rows": args.rows, "fill_seconds": round(fill_seconds, 1),
              "requests_per_read": args.requests, "reads": results, "creates": args.creates, "create": creates}
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def print_table(report):
    print(f"\nAPI on {report['database']}: {report['rows']:,} jobs (+{report['rows'] // 5:,} of another user), "
          f"filled in {report['fill_seconds']} s; {report['requests_per_read']} requests per read\n")
    print(f"{'operation':<32}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, row in report["reads"].items():
        print(f"{name:<32}{row['median_ms']:>10}{row['p95_ms']:>10}{row['queries']:>9}")
    create = report["create"]
    print(f"\nPOST /jobs: {report['creates']} jobs at {create['jobs_per_second']} per second "
          f"(median {create['median_ms']} ms each, saved and queued)")


if __name__ == "__main__":
    sys.exit(main())
