"""Status-fragment load benchmark: requests per second under concurrent load, against a trivial view.

    .venv/bin/python bench/fragment_load.py [--seconds 15] [--rounds 3] [--threads 16] [--gunicorn-workers 2]
        [--json out.json]

Starts gunicorn (sync workers, as `make run` does) on a fresh SQLite console under /tmp, with
bench/load_settings.py adding one trivial view (`/trivial/`, a plain HttpResponse through the full
middleware stack). This process is the load generator, a second process on loopback: `--threads`
threads with keep-alive sessions, each target for `--seconds` (in `--rounds` turns, the targets taking
turns), signed in as a user whose running job the fragment shows. The targets:
- "status fragment": the job page's poll as a watching page makes it, with the version the page shows
  (read from the page, as a browser gets it): nothing changed, so 204 (a row whose sync is due queues
  one a second at most);
- "status fragment, full render": the same URL without a version, so the fragment is rendered;
- "jobs list poll": the jobs list's one poll for its active rows, with the versions the list shows.
Prints requests per second, median and p95 latency of each and each one's share of the trivial view's
rate. They share the machine's cores with the load generator, so compare the ratios, not the absolutes.
"""

import argparse
import html
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.sandbox import THROWAWAY_KEYS, free_port  # noqa: E402
from tests.fixtures.scaled import FOREIGN_SETTINGS  # noqa: E402

SETUP = """
from django.contrib.auth import get_user_model
from django.test import Client
from jobs.models import Job
from netmind_console.workspaces.services import personal_workspace
user = get_user_model().objects.create_user('bench')
job = Job.objects.create(owner=user, workspace=personal_workspace(user), model_key='Qwen/Qwen-Image',
                         provider='netmind', adapter='generation', prompt='a lighthouse', state='running',
                         remote_id='gen-1')
client = Client()
client.force_login(user)
print(job.uuid, client.cookies['sessionid'].value)
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="per target, over all rounds")
    parser.add_argument("--rounds", type=int, default=3,
                        help="the targets take turns this many times, so a busy moment of the machine is shared out")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def console_environment() -> dict:
    env = {name: value for name, value in os.environ.items() if name not in FOREIGN_SETTINGS}
    env.update(THROWAWAY_KEYS)
    env.update(CONSOLE_VAR_DIR=tempfile.mkdtemp(prefix="bench-load-"), CONSOLE_IGNORE_DOTENV="1",
               CONSOLE_SANDBOX="true", DJANGO_SETTINGS_MODULE="load_settings",
               PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}")
    return env


def manage(env, *args) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def start_gunicorn(env, port, workers) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "netmind_console.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/trivial/", timeout=1)
            return server
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a busy machine's slow start
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("gunicorn did not answer in 30 s")


def polled_url(base, cookies, page, pattern) -> str:
    """The URL a page polls (its hx-get), as the browser that opened it would send it."""
    body = requests.get(f"{base}{page}", cookies=cookies, timeout=10).text
    found = re.search(pattern, body)
    if not found:
        raise RuntimeError(f"{page} polls nothing matching {pattern}:\n{body[:3000]}")
    return base + html.unescape(found.group(1))


def hammer(url, cookies, headers, seconds, threads, latencies: list, statuses: set):
    """`threads` keep-alive clients asking `url` back to back for `seconds`, adding to `latencies` and `statuses`."""
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        with requests.Session() as session:
            session.cookies.update(cookies)
            mine = []
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                statuses.add(session.get(url, headers=headers, timeout=10).status_code)
                mine.append((time.perf_counter() - started) * 1000)
            with lock:
                latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def figures(latencies: list, statuses: set, seconds: float) -> dict:
    latencies = sorted(latencies)
    return {"requests_per_second": round(len(latencies) / seconds, 1),
            "median_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1), "statuses": sorted(statuses)}


def main():
    args = parse_args()
    env = console_environment()
    manage(env, "migrate", "--noinput", "-v", "0")
    job_uuid, session_key = manage(env, "shell", "-c", SETUP).split()[-2:]  # after any start-up output
    port = free_port()
    server = start_gunicorn(env, port, args.gunicorn_workers)
    try:
        cookies = {"sessionid": session_key}
        base = f"http://127.0.0.1:{port}"
        htmx = {"HX-Request": "true"}
        targets = {
            "trivial view": (f"{base}/trivial/", {}),
            "status fragment": (polled_url(base, cookies, f"/jobs/{job_uuid}/",
                                           r'id="job-status"[^>]* hx-get="([^"]+)"'), htmx),
            "status fragment, full render": (f"{base}/jobs/{job_uuid}/status/", htmx),
            "jobs list poll": (polled_url(base, cookies, "/jobs/", r'id="job-rows-poll" hx-get="([^"]+)"'), htmx),
        }
        measured = {name: ([], set()) for name in targets}
        for _ in range(args.rounds):
            for name, (url, headers) in targets.items():
                hammer(url, cookies, headers, args.seconds / args.rounds, args.threads, *measured[name])
        results = {name: figures(*measured[name], args.seconds) for name in targets}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    trivial = results["trivial view"]["requests_per_second"]
    report = {"threads": args.threads, "seconds": args.seconds, "rounds": args.rounds,
              "gunicorn_workers": args.gunicorn_workers,
              "results": results,
              "fragment_to_trivial": round(results["status fragment"]["requests_per_second"] / trivial, 2),
              "full_render_to_trivial": round(results["status fragment, full render"]["requests_per_second"]
                                              / trivial, 2),
              "list_poll_to_trivial": round(results["jobs list poll"]["requests_per_second"] / trivial, 2)}
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def print_table(report):
    print(f"\ngunicorn {report['gunicorn_workers']} sync workers, SQLite; {report['threads']} client threads "
          f"for {report['seconds']} s each, in {report['rounds']} turns\n")
    print(f"{'target':<30}{'req/s':>9}{'median ms':>11}{'p95 ms':>9}  statuses")
    for name, row in report["results"].items():
        print(f"{name:<30}{row['requests_per_second']:>9}{row['median_ms']:>11}{row['p95_ms']:>9}  {row['statuses']}")
    print(f"\nstatus fragment (unchanged poll) / trivial view: {report['fragment_to_trivial']}")
    print(f"status fragment, full render / trivial view: {report['full_render_to_trivial']}")
    print(f"jobs list poll / trivial view: {report['list_poll_to_trivial']}")


if __name__ == "__main__":
    main()
