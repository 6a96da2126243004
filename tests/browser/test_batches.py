"""The batch journey: a CSV of 12 prompts × 2 seeds, previewed, started, watched to the end without a reload,
downloaded as one ZIP whose manifest matches the jobs in the console's database."""

import csv
import io
import json
import re
import time
import zipfile

import pytest
from playwright.sync_api import expect

from jobs import catalogue
from tests.browser.journeys import JOB_TIMEOUT_MS, field, screenshot
from tests.browser.test_phone import PHONE, assert_nothing_wider_than_the_screen

pytestmark = pytest.mark.browser

MODEL = "apinfer/qwen-image"
# Each row's seed; "× 2 seeds" runs it with that seed and the next.
ROWS = [(f"batch journey {n}: a lighthouse, waves breaking below", 100 * n) for n in range(1, 13)]
# The synchronous image call takes 2.5 s / speed: slow enough to watch 24 jobs go by, quick enough for the suite.
WATCHABLE_SPEED = 4


@pytest.fixture
def watchable_sandbox(live_sandbox):
    live_sandbox.configure(speed=WATCHABLE_SPEED)
    yield live_sandbox
    live_sandbox.configure(**live_sandbox.runtime_defaults())


@pytest.fixture
def prompts_csv(tmp_path):
    path = tmp_path / "journey prompts.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["prompt", "seed"])
        writer.writerows(ROWS)
    return path


def open_new_batch(page, model_key):
    """New batch with a model picked from the list; its form is swapped in without a reload."""
    spec = catalogue.get(model_key)
    page.goto("/jobs/batches/new/")
    page.locator("#model-form").evaluate("form => form.dataset.before = 'the pick'")
    page.get_by_label("Model", exact=True).select_option(label=spec.label)
    expect(page.locator("#model-form[data-before]")).to_have_count(0)
    expect(page.get_by_role("heading", name=f"CSV columns for {spec.label}")).to_be_visible()


def jobs_in_the_database(console, batch_uuid) -> dict:
    """{job id: (row, seed, state, prompt)} of the batch, read by the console itself."""
    code = ("import json; from jobs.models import Job; print(json.dumps([[str(j.uuid), j.batch_row, j.seed, j.state, "
            f"j.prompt] for j in Job.objects.filter(batch__uuid='{batch_uuid}')]))")
    rows = json.loads(console.manage("shell", "-c", code).strip().splitlines()[-1])
    return {job_id: (str(row), str(seed), state, prompt) for job_id, row, seed, state, prompt in rows}


def test_a_csv_batch_is_previewed_watched_to_the_end_and_downloaded_with_a_manifest_of_its_jobs(
        page, console, watchable_sandbox, prompts_csv):
    open_new_batch(page, MODEL)
    field(page, "Or a CSV file").set_input_files(prompts_csv)
    field(page, "× seeds").fill("2")
    page.get_by_role("button", name="Preview batch").click()

    expect(page.locator("[data-preview=jobs]")).to_have_text("24")
    expect(page.get_by_text("Start sends 24 jobs to Sandbox, at most 4 at once.")).to_be_visible()
    page.get_by_role("button", name="Start batch").click()
    expect(page.get_by_text("Started: 24 jobs, sent at most 4 at once.")).to_be_visible()
    batch_uuid = re.search(r"/jobs/batches/([0-9a-f-]{36})/", page.url).group(1)

    page.evaluate("window.stillTheSamePage = true")
    finished = page.locator("#batch-status .status-line strong")
    seen = {finished.inner_text()}
    badge = page.locator("#batch-status .status-line .badge")
    deadline = time.monotonic() + JOB_TIMEOUT_MS / 1000
    while badge.inner_text() != "Finished":
        assert time.monotonic() < deadline, f"the batch did not finish on the open page; it showed {seen}"
        page.wait_for_timeout(250)
        seen.add(finished.inner_text())
    expect(page.locator("#batch-status .batch-counts")).to_contain_text("24 succeeded")
    expect(page.locator(".batch-results img")).to_have_count(24, timeout=JOB_TIMEOUT_MS)
    assert len(seen - {"24"}) >= 2, f"the finished count did not move on the open page: {seen}"
    assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded instead of updating in place"
    screenshot(page, "batch-finished")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download ZIP").click()
    bundle = zipfile.ZipFile(download.value.path())
    manifest = list(csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode())))

    jobs = jobs_in_the_database(console, batch_uuid)
    assert len(manifest) == len(jobs) == 24
    assert {line["job id"]: (line["row"], line["seed"], line["state"], line["prompt"]) for line in manifest} == jobs
    its_seed_and_the_next = {(str(row), str(seed + step))
                             for row, (_, seed) in enumerate(ROWS, start=2) for step in (0, 1)}  # CSV rows from 2
    assert {(line["row"], line["seed"]) for line in manifest} == its_seed_and_the_next
    assert sorted(bundle.namelist()) == sorted(["manifest.csv", *[line["file name"] for line in manifest]])
    assert all(bundle.read(line["file name"])[:8] == b"\x89PNG\r\n\x1a\n" for line in manifest)


def test_the_batch_pages_fit_a_phone(open_page, console, admin_session):
    page = open_page(console.url, viewport=PHONE, storage_state=admin_session)
    page.goto("/")
    page.get_by_label("Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Batches").click()
    expect(page.get_by_role("heading", name="Batches")).to_be_visible()
    assert_nothing_wider_than_the_screen(page)
    page.get_by_role("link", name="New batch").first.click()
    expect(page.get_by_role("heading", name="New batch")).to_be_visible()
    assert_nothing_wider_than_the_screen(page)
