"""Status-fragment load benchmark: requests per second under concurrent load, against a trivial view.

    .venv/bin/python bench/fragment_load.py [--seconds 15] [--threads 16] [--gunicorn-workers 2]
        [--json out.json]

Starts gunicorn (sync workers, as `make run` does) on a fresh SQLite console under /tmp, with
bench/load_settings.py adding one trivial view (`/trivial/`, a plain HttpResponse through the full
middleware stack). This process is the load generator, a second process on loopback: `--threads`
threads with keep-alive sessions, each target for `--seconds`, signed in as a user whose running job
the fragment shows (as a watching page polls it; a stale row queues one sync a second at most). Prints
requests per second, median and p95 latency of each and the fragment's share of the trivial view's
rate. Both share the machine's cores with the load generator, so compare the ratio, not the absolutes.
"""

import argparse
import json
import os
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
job = Job.objects.create(owner=user, workspace=personal_workspace(user), model_key='Qwen/Qwen-Image', provider='netmind', adapter='generation',
                         prompt='a lighthouse', state='running', remote_id='gen-1')
client = Client()
client.force_login(user)
print(job.uuid, client.cookies['sessionid'].value)
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
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
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in 30 s")


def hammer(url, cookies, headers, seconds, threads) -> dict:
    """`threads` keep-alive clients asking `url` back to back for `seconds`; rate and latencies."""
    latencies, statuses, lock = [], set(), threading.Lock()
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
    latencies.sort()
    return {"requests_per_second": round(len(latencies) / seconds, 1), "median_ms": round(statistics.median(latencies), 1),
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
        results = {
            "trivial view": hammer(f"{base}/trivial/", cookies, {}, args.seconds, args.threads),
            "status fragment": hammer(f"{base}/jobs/{job_uuid}/status/", cookies, {"HX-Request": "true"},
                                      args.seconds, args.threads),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    ratio = results["status fragment"]["requests_per_second"] / results["trivial view"]["requests_per_second"]
    report = {"threads": args.threads, "seconds": args.seconds, "gunicorn_workers": args.gunicorn_workers,
              "results": results, "fragment_to_trivial": round(ratio, 2)}
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def print_table(report):
    print(f"\ngunicorn {report['gunicorn_workers']} sync workers, SQLite; {report['threads']} client threads "
          f"for {report['seconds']} s each\n")
    print(f"{'target':<18}{'req/s':>9}{'median ms':>11}{'p95 ms':>9}  statuses")
    for name, row in report["results"].items():
        print(f"{name:<18}{row['requests_per_second']:>9}{row['median_ms']:>11}{row['p95_ms']:>9}  {row['statuses']}")
    print(f"\nstatus fragment / trivial view: {report['fragment_to_trivial']}")


if __name__ == "__main__":
    main()
