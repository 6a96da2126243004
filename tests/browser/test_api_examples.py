"""The README's API examples, run as a reader would run them: against a live console (web, worker, sandbox),
with a key made by `manage.py api_key create`. If the API changes under them, this fails."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.journeys import ADMIN
from tests.fixtures.sandbox import ROOT

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXAMPLE_TIMEOUT_SECONDS = 120


def readme_example(name: str) -> str:
    """The code block under `<!-- api example: NAME -->` in README.md."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- api example: {name} -->\n```\w+\n(.*?)```", readme, re.DOTALL)
    assert match, f"README.md has no block marked <!-- api example: {name} -->"
    return match.group(1)


@pytest.fixture(scope="module")
def write_key(console, admin_session):
    """The admin signed up on the first-run page (admin_session); the key acts in their personal workspace."""
    return console.manage("api_key", "create", "--user", ADMIN["username"], "--scope", "write",
                          "--name", "README examples").strip()


def run_example(command: list[str], console, key, folder: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CONSOLE": console.url, "KEY": key}
    return subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True,
                          timeout=EXAMPLE_TIMEOUT_SECONDS)


def test_the_readme_curl_example_submits_waits_and_downloads_an_image(console, write_key, tmp_path):
    finished = run_example(["bash", "-c", readme_example("curl")], console, write_key, tmp_path)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert (tmp_path / "lighthouse.png").read_bytes().startswith(PNG_SIGNATURE)


def test_the_readme_python_example_submits_waits_and_downloads_an_image(console, write_key, tmp_path):
    finished = run_example([sys.executable, "-c", readme_example("python")], console, write_key, tmp_path)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert (tmp_path / "lighthouse-0.png").read_bytes().startswith(PNG_SIGNATURE)
    assert write_key not in finished.stdout + finished.stderr
