"""`manage.py sandbox` listens on loopback only unless told otherwise: its admin URLs have no auth."""

import os
import subprocess
import sys
import time

import pytest
import requests
from django.core.management import CommandError, call_command

from tests.fixtures.sandbox import ROOT, THROWAWAY_KEYS, free_port


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "sandbox.example.com"])
def test_a_non_loopback_host_is_refused_without_allow_remote(host, tmp_path):
    with pytest.raises(CommandError, match="--allow-remote") as refused:
        call_command("sandbox", "--host", host, "--data-dir", str(tmp_path))
    assert "no authentication" in str(refused.value)
    assert not (tmp_path / "sandbox.sqlite3").exists()  # refused before anything was started


def test_allow_remote_lets_it_listen_on_every_interface(tmp_path):
    port = free_port()
    command = [sys.executable, "manage.py", "sandbox", "--host", "0.0.0.0", "--allow-remote", "--port", str(port),
               "--data-dir", str(tmp_path)]  # fmt: skip
    env = {**os.environ, **THROWAWAY_KEYS, "CONSOLE_IGNORE_DOTENV": "1"}
    with open(tmp_path / "sandbox.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert _healthy(f"http://127.0.0.1:{port}", process), (tmp_path / "sandbox.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _healthy(url, process, attempts=200) -> bool:
    for _ in range(attempts):
        if process.poll() is not None:
            return False
        try:
            return requests.get(f"{url}/_sandbox/health", timeout=1).json() == {"ok": True}
        except requests.ConnectionError:
            time.sleep(0.1)
    return False
