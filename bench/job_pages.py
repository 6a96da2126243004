"""Job pages benchmark: server time and SQL queries of the job list and the status fragment at 100,000 jobs.

    .venv/bin/python bench/job_pages.py [--rows 100000] [--requests 30] [--json out.json]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Uses bench/gallery.py's scratch database (a SQLite file under /tmp, or a fresh `bench_gallery` database
on the given PostgreSQL server) and its timing: fills `--rows` jobs of one user's personal workspace (one
in fifty still active) plus a fifth as many of another user's, then times through django.test.Client the
job list, its htmx table fragment, the list filtered to active jobs, a prompt search, and the status
fragment a watching page polls, for a finished job and for a running one (whose poll may queue a sync).
A benchmark, not a test. `--rows 1000000` (with PostgreSQL) is the million-row point: the fill is
bench/fast_fill.py's, and its time is printed beside the figures.
"""

import json
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from fast_fill import indexes_built_afterwards, insert_rows
from gallery import MODELS, WORDS, measure, parse_args, scratch_database_url, setup_django


def fill(rows: int):
    from django.contrib.auth import get_user_model

    from jobs.models import Job

    user_model = get_user_model()
    measured = user_model.objects.create_user("bench")
    bystander = user_model.objects.create_user("bystander")
    started = time.perf_counter()
    with indexes_built_afterwards(Job):
        _fill_user(measured, rows, random.Random(1))
        _fill_user(bystander, rows // 5, random.Random(2))
    return measured, time.perf_counter() - started


JOB_COLUMNS = ("uuid", "workspace_id", "owner_id", "model_key", "provider", "adapter", "prompt", "state", "remote_id",
               "created_at", "finished_at")


def _fill_user(user, rows: int, rng: random.Random, batch=5000):
    from django.utils import timezone

    from jobs.models import Job
    from netmind_console.workspaces.services import personal_workspace

    workspace = personal_workspace(user).pk
    now = timezone.now()
    for first in range(0, rows, batch):
        jobs = []
        for i in range(first, min(rows, first + batch)):
            model, provider, _kind = rng.choice(MODELS)
            active = rng.random() < 0.02
            prompt = " ".join(rng.sample(WORDS, 5))
            jobs.append((uuid.uuid4(), workspace, user.pk, model, provider, "generation", prompt,
                         "running" if active else "succeeded", f"gen-{user.pk}-{i}", now - timedelta(minutes=3 * i),
                         None if active else now - timedelta(minutes=3 * i - 1)))
        insert_rows(Job, JOB_COLUMNS, jobs)


def main():
    args = parse_args()
    setup_django(scratch_database_url(args.database_url))
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from jobs.models import Job

    user, fill_seconds = fill(args.rows)
    client = Client()
    client.force_login(user)
    jobs = reverse("jobs:list")
    finished = Job.objects.filter(owner=user, state="succeeded").first()
    running = Job.objects.filter(owner=user, state="running").first()
    pages = [
        ("job list, first page", jobs, {}),
        ("job list, htmx table", jobs, {"HX-Request": "true"}),
        ("job list, active only", f"{jobs}?state=active", {}),
        ("job list, search 'lighthouse'", f"{jobs}?q=lighthouse", {}),
        ("status fragment, finished", reverse("jobs:status", args=[finished.uuid]), {"HX-Request": "true"}),
        ("status fragment, running", reverse("jobs:status", args=[running.uuid]), {"HX-Request": "true"}),
    ]
    results = {name: measure(client, url, headers, args.requests) for name, url, headers in pages}
    report = {"database": connection.vendor, "rows": args.rows, "fill_seconds": round(fill_seconds, 1),
              "requests_per_page": args.requests, "pages": results}
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def print_table(report):
    print(f"\nJob pages on {report['database']}: {report['rows']:,} jobs (+{report['rows'] // 5:,} of another user), "
          f"filled in {report['fill_seconds']} s; {report['requests_per_page']} requests per page\n")
    print(f"{'page':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, row in report["pages"].items():
        print(f"{name:<34}{row['median_ms']:>10}{row['p95_ms']:>10}{row['queries']:>9}")


if __name__ == "__main__":
    sys.exit(main())
