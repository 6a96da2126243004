"""Gallery benchmark: server time and SQL queries per gallery page over a large archive.

    .venv/bin/python bench/gallery.py [--rows 100000] [--requests 30] [--json out.json]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Fills a scratch database (a SQLite file under /tmp, or a dedicated `bench_gallery` database on the
given PostgreSQL server, dropped and created afresh) with `--rows` outputs of one user's personal
workspace, plus a fifth as many of another user's, then times the gallery through django.test.Client: the first page,
a deep keyset page (90 % of the way down), that page as the htmx fragment infinite scroll loads, a
filtered page (kind + favourites) and a prompt search. Prints median and p95 per page and the SQL
queries each page took. This is a benchmark, not a test: it asserts nothing.

The fill (bench/fast_fill.py: COPY, indexes built afterwards) takes a million-row point (`--rows 1000000`, with
PostgreSQL) in minutes; its time is printed beside the figures.
"""

import argparse
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from fast_fill import indexes_built_afterwards, insert_rows, next_id

ROOT = Path(__file__).resolve().parents[1]
SQLITE_PATH = Path(tempfile.gettempdir()) / "bench_gallery.sqlite3"
BENCH_DATABASE = "bench_gallery"
MODELS = [
    ("Qwen/Qwen-Image", "netmind", "image"),
    ("hunyuanvideo-community/HunyuanVideo", "netmind", "video"),
    ("hkchengrex/MMAudio", "netmind", "audio"),
    ("qwen-image", "apinfer", "image"),
    ("wan2.2", "apinfer", "video"),
]
WORDS = (
    "fox harbour lighthouse forest neon city rain desert castle robot ocean mountain portrait sunset "
    "dragon garden winter market river storm violin drums choir cat owl train bridge lantern"
).split()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="outputs of the measured user (default 100000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; the benchmark uses its own database there")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.rows < 100 or args.requests < 2:
        parser.error("--rows must be at least 100 and --requests at least 2")
    return args


def scratch_database_url(server_url: str | None) -> str:
    """A fresh, empty database for the run: never the console's own."""
    if not server_url:
        SQLITE_PATH.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def setup_django(database_url: str):
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["CONSOLE_IGNORE_DOTENV"] = "1"
    os.environ["REDIS_URL"] = ""
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-media-")
    os.environ["CONSOLE_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-var-")
    from tests.fixtures.sandbox import THROWAWAY_KEYS  # this process never stores a secret

    for name, value in THROWAWAY_KEYS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netmind_console.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client in (ALLOWED_HOSTS) and records rendered templates
    # Pages render without collectstatic (the manifest storage needs one).
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(rows: int):
    """`rows` outputs for the measured user (two per job), rows / 5 for someone else."""
    from django.contrib.auth import get_user_model

    from jobs.models import Job, Output

    user_model = get_user_model()
    measured = user_model.objects.create_user("bench")
    bystander = user_model.objects.create_user("bystander")
    started = time.perf_counter()
    with indexes_built_afterwards(Job, Output):
        job_ids = itertools.count(next_id(Job))
        _fill_user(measured, rows, random.Random(1), job_ids)
        _fill_user(bystander, rows // 5, random.Random(2), job_ids)
    return measured, time.perf_counter() - started


JOB_COLUMNS = ("id", "uuid", "workspace_id", "owner_id", "model_key", "provider", "adapter", "prompt", "state",
               "created_at")
OUTPUT_COLUMNS = ("uuid", "job_id", "workspace_id", "owner_id", "position", "kind", "model_key", "provider",
                  "created_at", "favourite", "remote_url", "sha256", "file", "thumbnail", "size", "archive_state")


def _fill_user(user, rows: int, rng: random.Random, job_ids, batch=5000):
    from django.utils import timezone

    from jobs.models import ArchiveState, Job, Output
    from netmind_console.workspaces.services import personal_workspace

    workspace = personal_workspace(user).pk
    kinds = {model: kind for model, _provider, kind in MODELS}
    now = timezone.now()
    for first in range(0, rows, batch):
        count = min(batch, rows - first)
        jobs = []
        for i in range(first, first + count, 2):
            model, provider, _kind = rng.choice(MODELS)
            prompt = " ".join(rng.sample(WORDS, 5))
            # About one job every 3 minutes, newest first, so a year holds the archive.
            jobs.append((next(job_ids), uuid.uuid4(), workspace, user.pk, model, provider, "generation", prompt,
                         "succeeded", now - timedelta(minutes=3 * i)))
        insert_rows(Job, JOB_COLUMNS, jobs)
        outputs = []
        for job_id, _uuid, _workspace, _owner, model, provider, _adapter, _prompt, _state, created_at in jobs:
            for position in range(2):
                archived = rng.random() < 0.97
                sha = f"{rng.getrandbits(256):064x}"
                favourite = rng.random() < 0.05
                outputs.append((
                    uuid.uuid4(), job_id, workspace, user.pk, position, kinds[model], model, provider, created_at,
                    favourite, f"https://files.netmind.ai/{sha}", sha if archived else "",
                    f"objects/{sha[:2]}/{sha[2:4]}/{sha}.bin" if archived else "",
                    f"thumbs/{sha[:2]}/{sha[2:4]}/{sha}.webp" if archived else "",
                    rng.randint(50_000, 20_000_000) if archived else None,
                    ArchiveState.ARCHIVED if archived else rng.choice(
                        [ArchiveState.PENDING, ArchiveState.FAILED, ArchiveState.EXPIRED]),
                ))  # fmt: skip
        insert_rows(Output, OUTPUT_COLUMNS, outputs[:count])


def deep_cursor(user, fraction=0.9) -> str:
    from jobs.forms import cursor_for
    from jobs.models import Output
    from netmind_console.workspaces.services import personal_workspace

    outputs = Output.objects.filter(workspace=personal_workspace(user))
    output = outputs.order_by("-created_at", "-id")[int(outputs.count() * fraction)]
    return cursor_for(output)


def measure(client, url, headers, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:  # a warm-up request, and its query count
        response = client.get(url, headers=headers)
    queries = len(captured)  # now: the next request clears the connection's query log
    assert response.status_code in (200, 286), f"{url} answered {response.status_code}"  # 286: polling stops
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[math.ceil(len(timings) * 0.95) - 1], 1),  # nearest rank
        "queries": queries,
        "items": response.content.count(b'class="gallery-item"'),
    }


def main():
    args = parse_args()
    database_url = scratch_database_url(args.database_url)
    setup_django(database_url)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    user, fill_seconds = fill(args.rows)
    client = Client()
    client.force_login(user)
    gallery = reverse("jobs:gallery")
    deep = f"{gallery}?after={deep_cursor(user)}"
    pages = [
        ("first page", gallery, {}),
        ("deep page (90 %)", deep, {}),
        ("deep page, htmx fragment", deep, {"HX-Request": "true"}),
        ("filtered: video + favourites", f"{gallery}?kind=video&favourites=on", {}),
        ("prompt search 'lighthouse'", f"{gallery}?q=lighthouse", {}),
    ]
    results = {name: measure(client, url, headers, args.requests) for name, url, headers in pages}
    report = {
        "database": connection.vendor,
        "rows": args.rows,
        "fill_seconds": round(fill_seconds, 1),
        "requests_per_page": args.requests,
        "pages": results,
    }
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def print_table(report):
    print(f"\nGallery on {report['database']}: {report['rows']:,} outputs (+{report['rows'] // 5:,} of another user), "
          f"filled in {report['fill_seconds']} s; {report['requests_per_page']} requests per page\n")  # fmt: skip
    print(f"{'page':<32}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'items':>7}")
    for name, row in report["pages"].items():
        print(f"{name:<32}{row['median_ms']:>10}{row['p95_ms']:>10}{row['queries']:>9}{row['items']:>7}")


if __name__ == "__main__":
    main()
