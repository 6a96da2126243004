"""Detection latency benchmark: how soon the console shows a remote state change, watched and unwatched.

    .venv/bin/python bench/detection_latency.py [--jobs 50] [--speed 1] [--spread 60] [--short-sweep 5]
        [--modes watched unwatched short-sweep] [--json out.json]

Starts a sandbox (`--speed`; at 1 an image generation takes 10 s) and a console on a fresh SQLite var dir
through tests/fixtures/live.py: gunicorn (2 workers x 4 threads) and one `qcluster` (2 workers) whose own
django-q2 schedule sweeps; the benchmark waits for its first scheduled sweep before measuring. The modes
(`--modes`, all three by default) in turn, each `--jobs` Qwen-Image jobs submitted through the `submit`
command's form (in this process, on the console's database) at an even pace over `--spread` seconds, so the
completions fall at every phase of the poll and sweep cycles:
- watched: each job's page is open from a moment after its submission (up to a second, at random: the sandbox's
  durations are exact, and a page opened at once would meet every completion at the same phase of its sync
  cycle): a signed-in client (a session cookie) polls the status fragment every 500 ms as htmx's `every 500ms`
  does: it GETs the URL the last fragment named in its `hx-get` (with the version it shows, once the view
  answers 204 to an unchanged poll), keeps it on a 204, and stops at the first fragment that shows the job
  succeeded (or at 286);
- unwatched, the default sweep (CONSOLE_SWEEP_SECONDS=60): nobody polls;
- unwatched, a short sweep (CONSOLE_SWEEP_SECONDS=`--short-sweep`; the qcluster is restarted with it).
The account's concurrency cap is raised to the largest an admin may set, so no job waits locally for a slot:
that wait (and the watcher of busy accounts, which holds a worker meanwhile) is the batches' business, not
detection's.

The moment of the remote change is the sandbox's own: a generation's timeline is fixed when it is
created, and its last entry, [epoch, "completed"], is read back from the sandbox's store
(`sandbox.sqlite3`). That is exact, where "submission + 10 s / speed" would be off by the create call's
own queueing. Latency is, watched, the client's clock when the fragment first shows the job succeeded
minus that epoch; unwatched, the row's `finished_at` (when it turned succeeded: any page loaded from
then on shows it) minus that epoch. One machine, one clock. Remote calls per job are the sandbox's
/_sandbox/calls counters, reset at the start of each mode, over the mode's jobs; provider reads per job-second
are its GETs and list calls over the seconds the mode's jobs lived (from the submission, `created_at`, to the
row's final state, `finished_at`). A benchmark, not a test.
"""

import argparse
import html
import json
import math
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from io import StringIO
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scaleout import calls_per_job, run_and_report  # noqa: E402

from netmind_console.sandbox.lifecycle import DURATIONS  # noqa: E402
from tests.fixtures.live import LiveConsole  # noqa: E402
from tests.fixtures.sandbox import THROWAWAY_KEYS, SandboxProcess  # noqa: E402
from tests.fixtures.scaled import wait_for  # noqa: E402

MODEL = "Qwen/Qwen-Image"
POLL_SECONDS = 0.5  # the status fragment's hx-trigger="every 500ms"
STOP_POLLING = 286
NOTHING_NEW = 204
DEFAULT_SWEEP = 60
NEXT_POLL = re.compile(r'id="job-status"[^>]*\shx-get="([^"]+)"')
SUCCEEDED_BADGE = "badge badge-succeeded"
MODES = ("watched", "unwatched", "short-sweep")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50, help="jobs per mode (default 50)")
    parser.add_argument("--speed", type=float, default=1, help="sandbox speed (default 1: image jobs take 10 s)")
    parser.add_argument("--spread", type=float, default=60, help="seconds over which each mode's jobs are submitted")
    parser.add_argument("--short-sweep", type=int, default=5, help="CONSOLE_SWEEP_SECONDS of the third mode")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES), help="modes to run (default all)")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def setup_django(console_env: dict):
    """This process submits jobs and reads rows on the live console's own database, with its settings."""
    os.environ.update(console_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netmind_console.settings")
    import django

    django.setup()


def make_user():
    """In sandbox mode a new user gets sandbox accounts for both providers."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("bench")


def without_slot_waits(user):
    """Every job sent at once: the accounts' concurrency cap at the most an admin may set."""
    from netmind_console.accounts.models import MAX_CONCURRENCY_CAP

    user.provider_accounts.update(concurrency_cap=MAX_CONCURRENCY_CAP)


def session_cookies(user) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def submit(user, prompt: str) -> str:
    from django.core.management import call_command

    printed = StringIO()
    call_command("submit", user=user.username, model=MODEL, prompt=prompt, stdout=printed)
    return printed.getvalue().strip()


def start_cluster(console: LiveConsole, sweep_seconds: int):
    """A fresh qcluster with this sweep interval; returns once its own schedule has swept (django-q2 first
    looks at Schedule rows 30 s after start, and a sweep-less start would inflate the first jobs' latency)."""
    from django_q.models import Schedule

    sweep = Schedule.objects.filter(name="sweep active jobs")
    before = sweep.get().task
    for name in [name for name in console.processes if name.startswith("worker")]:
        console.kill_hard(name)  # between modes: no job is active, nothing is lost
    console.spawn(f"worker-sweep-{sweep_seconds}", sys.executable, "manage.py", "qcluster",
                  env={"CONSOLE_SWEEP_SECONDS": str(sweep_seconds)})
    wait_for(lambda: sweep.get().task != before, 2 * DEFAULT_SWEEP + 30, "the first scheduled sweep")


def watch(base_url: str, cookies: dict, uuid: str, shown_at: dict, opened_after: float = 0.0):
    """A page opened on the job `opened_after` seconds from now: poll the status fragment every 500 ms until it shows
    the job succeeded."""
    url = f"/jobs/{uuid}/status/"
    time.sleep(opened_after)
    with requests.Session() as session:
        session.cookies.update(cookies)
        tick = time.monotonic()
        while True:
            answer = session.get(f"{base_url}{url}", headers={"HX-Request": "true"}, timeout=30)
            if answer.status_code == STOP_POLLING or SUCCEEDED_BADGE in answer.text:
                shown_at[uuid] = time.time()
                return
            if answer.status_code == NOTHING_NEW:  # nothing swapped: the element's timer runs on from the last poll
                tick += POLL_SECONDS
            else:  # the new fragment replaces the element, and its own timer starts at the swap
                polled = NEXT_POLL.search(answer.text)
                url = html.unescape(polled.group(1)) if polled else url
                tick = time.monotonic() + POLL_SECONDS
            time.sleep(max(0.0, tick - time.monotonic()))


def completion_epochs(sandbox: SandboxProcess) -> dict[str, float]:
    """Generation id -> when its timeline turns `completed`, as fixed by the sandbox at creation."""
    with sqlite3.connect(f"file:{sandbox.data_dir / 'sandbox.sqlite3'}?mode=ro", uri=True) as store:
        docs = [json.loads(doc) for (doc,) in store.execute("SELECT doc FROM objects WHERE kind = 'generation'")]
    return {doc["id"]: doc["timeline"][-1][0] for doc in docs if doc["timeline"][-1][1] == "completed"}


def run_mode(args, sandbox, console, user, cookies, watched: bool) -> dict:
    from jobs.models import Job

    sandbox.reset()
    shown_at, watchers, uuids = {}, [], []
    opening = random.Random(args.jobs)  # the same moments in every run
    started = time.monotonic()
    for n in range(args.jobs):
        time.sleep(max(0.0, started + n * args.spread / args.jobs - time.monotonic()))
        uuids.append(submit(user, f"a lighthouse, detection take {n}"))
        if watched:
            opened_after = opening.uniform(0, 2 * POLL_SECONDS)  # one sync cycle: every second poll asks one
            watchers.append(threading.Thread(target=watch, args=(console.url, cookies, uuids[-1], shown_at,
                                                                 opened_after)))
            watchers[-1].start()
    jobs = Job.objects.filter(uuid__in=uuids)
    wait_for(lambda: not jobs.exclude(state="succeeded").exists(), 3 * DEFAULT_SWEEP + 120, "every job to succeed")
    for watcher in watchers:
        watcher.join()
    completed = completion_epochs(sandbox)
    latencies = sorted((shown_at[str(job.uuid)] if watched else job.finished_at.timestamp()) - completed[job.remote_id]
                       for job in jobs)
    calls = calls_per_job(sandbox.calls(), args.jobs)
    lived = sum((job.finished_at - job.created_at).total_seconds() for job in jobs)
    return {**median_p95(latencies), "calls_per_job": calls,
            "reads_per_job_second": round((calls["get"] + calls["list"]) * args.jobs / lived, 2)}


def median_p95(values: list[float]) -> dict:
    return {"median_s": round(statistics.median(values), 2),
            "p95_s": round(values[math.ceil(len(values) * 0.95) - 1], 2),  # nearest rank
            "max_s": round(values[-1], 2)}


def run(args) -> dict:
    every_mode = {"watched": (f"watched (polled every {POLL_SECONDS * 1000:g} ms)", DEFAULT_SWEEP, True),
                  "unwatched": (f"unwatched, sweep every {DEFAULT_SWEEP} s", DEFAULT_SWEEP, False),
                  "short-sweep": (f"unwatched, sweep every {args.short_sweep} s", args.short_sweep, False)}
    modes = [every_mode[mode] for mode in MODES if mode in args.modes]
    scratch = Path(tempfile.mkdtemp(prefix="bench-detection-"))
    with SandboxProcess(scratch / "sandbox", speed=args.speed) as sandbox, \
            LiveConsole(scratch / "console", sandbox.url, **THROWAWAY_KEYS) as console:
        setup_django(console.env)
        user = make_user()
        without_slot_waits(user)
        cookies = session_cookies(user)
        console.start_web()
        results, sweeping = {}, None
        for name, sweep_seconds, watched in modes:
            if sweep_seconds != sweeping:
                start_cluster(console, sweep_seconds)
                sweeping = sweep_seconds
            results[name] = run_mode(args, sandbox, console, user, cookies, watched)
    return {"jobs_per_mode": args.jobs, "speed": args.speed, "job_seconds": round(DURATIONS["image"] / args.speed, 2),
            "spread_seconds": args.spread, "modes": results}


def print_table(report):
    print(f"\n{report['jobs_per_mode']} {MODEL} jobs per mode ({report['job_seconds']} s each at sandbox speed "
          f"{report['speed']}), submitted over {report['spread_seconds']} s; latency from the sandbox's change\n")
    print(f"{'mode':<32}{'median s':>9}{'p95 s':>8}{'max s':>8}{'reads/job-s':>13}   remote calls per job")
    for name, row in report["modes"].items():
        print(f"{name:<32}{row['median_s']:>9}{row['p95_s']:>8}{row['max_s']:>8}{row['reads_per_job_second']:>13}   "
              f"{json.dumps(row['calls_per_job'])}")


def main():
    run_and_report(parse_args, run, print_table)


if __name__ == "__main__":
    main()
