"""Two hosts that do not share media, as real processes: a qcluster archiving into one media root and a gunicorn
web server reading another, as a worker on a second host with MEDIA_ROOT on its own disk would be. /healthz says
so, the job page says why its file cannot be shown, and a worker started on the other root warns in its log; on
the same root, all is well."""

import re
import socket
import time

import pytest
import requests

from tests.fixtures.live import LiveConsole, collect_static
from tests.fixtures.scaled import wait_for
from tests.reliability.console_side import PASSWORD

pytestmark = pytest.mark.slow

TOKEN = "health-media-hosts-5Rk2"
CONSOLE_SIDE = "tests.reliability.console_side"
NOT_SHARED = "This file was stored by a worker whose media this web server cannot read"
FINISHED = 286  # the status fragment's word for "stop polling": the job is final and its file copied


def health(console) -> dict:
    """/healthz with its parts, as a monitor holding the health token sees it."""
    response = requests.get(f"{console.url}/healthz", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    return {"status": response.status_code, **response.json()}


def _logged_warning(log):
    text = log.read_text() if log.exists() else ""
    return text if "WARNING" in text and "Media is not shared" in text else None


def watch_until_archived(session, job_page: str):
    """Poll the job's status fragment as its open page does (each poll may queue a sync) until the file is copied."""
    def finished():
        time.sleep(0.3)
        return session.get(f"{job_page}status/", headers={"HX-Request": "true"}, timeout=10).status_code == FINISHED
    wait_for(finished, 30, "the worker to run the job and archive its image")


def test_a_web_server_that_cannot_read_the_workers_media_says_so_and_one_that_can_serves_the_file(sandbox, tmp_path):
    collect_static()
    worker_disk, web_disk = str(tmp_path / "worker-media"), str(tmp_path / "web-media")
    with LiveConsole(tmp_path / "console", sandbox.url, CONSOLE_HEALTH_TOKEN=TOKEN) as console:
        console.call(f"{CONSOLE_SIDE}.make_owner", "owner")
        console.call("netmind_console.core.services.record_heartbeat")  # its schedule first runs 30 s after start
        console.start_worker(env={"MEDIA_ROOT": worker_disk})
        console.start_web(workers=1, env={"MEDIA_ROOT": web_disk})
        session = console.signed_in("owner", PASSWORD)

        uuid = console.manage("submit", "--user", "owner", "--model", "Qwen/Qwen-Image", "--prompt", "a lighthouse")
        job_page = f"{console.url}/jobs/{uuid.strip()}/"
        watch_until_archived(session, job_page)
        apart = health(console)
        page = session.get(job_page, timeout=10).text

        console.kill_hard("web")
        console.start_web(workers=1, env={"MEDIA_ROOT": worker_disk})
        together = health(console)
        shared_page = session.get(job_page, timeout=10).text
        media = re.search(r'<img src="([^"]+)"', shared_page)
        served = session.get(f"{console.url}{media.group(1)}", timeout=10) if media else None
        worker_log = (console.var_dir / "worker.log").read_text()

        console.start_worker("worker-elsewhere", env={"MEDIA_ROOT": web_disk})
        elsewhere_log = wait_for(lambda: _logged_warning(console.var_dir / "worker-elsewhere.log"), 15,
                                 "the worker on the other media root to warn")

    assert apart["status"] == 503 and apart["media_shared"] is False
    assert apart["media_not_shared_with"] == [socket.gethostname()] and apart["worker"] and apart["database"]
    assert NOT_SHARED in page and 'class="result-media"' not in page

    assert together["status"] == 200 and together["media_shared"] is True and together["ok"] is True
    assert NOT_SHARED not in shared_page and media, "the job page shows the image again"
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
    assert "Media is not shared" not in worker_log
    assert f"cannot read the media markers of the workers on {socket.gethostname()}" in elsewhere_log
