"""Watching a job costs almost nothing while nothing changes: the job page's status polls and the jobs list's one
poll for all its rows are answered 204 (nothing swapped), the elapsed time still counts on, and the job's final
state reaches the open page in place."""

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import JOB_TIMEOUT_MS, submit_job, wait_for_final_state

pytestmark = pytest.mark.browser

# Slow enough that an image job stays running for several polls (an image takes 10 s / speed).
WATCHED_SPEED = 1


@pytest.fixture
def slow_sandbox(live_sandbox):
    live_sandbox.configure(speed=WATCHED_SPEED)
    yield
    live_sandbox.configure(speed=live_sandbox.runtime_defaults()["speed"])


def answers_to(page, path_part: str) -> list[int]:
    """The statuses of the page's requests whose URL contains `path_part`, as they come."""
    statuses = []
    page.on("response", lambda response: statuses.append(response.status) if path_part in response.url else None)
    return statuses


def test_the_job_page_counts_the_time_while_its_polls_find_nothing_new_and_shows_the_end_in_place(page,
                                                                                                slow_sandbox):
    submit_job(page, "Qwen/Qwen-Image", "pollingjourney: a buoy in the swell")
    page.route("**/status/?v=*", lambda route: route.fulfill(status=204))  # as if nothing changed for a while
    elapsed = page.locator("#job-status .status-line [data-elapsed]")
    first = elapsed.inner_text()
    expect(elapsed).not_to_have_text(first, timeout=3_000)
    page.unroute("**/status/?v=*")

    statuses = answers_to(page, "/status/?v=")
    wait_for_final_state(page, "Succeeded")

    assert 204 in statuses, f"no poll was answered 'nothing new': {statuses}"


def test_the_jobs_list_polls_once_for_its_rows_and_follows_a_job_to_its_end(page, slow_sandbox):
    prompt = "listpollingjourney: a gull on the mast"
    submit_job(page, "Qwen/Qwen-Image", prompt)
    statuses = answers_to(page, "/jobs/rows/")
    page.goto("/jobs/?q=listpollingjourney")
    page.evaluate("window.stillTheSamePage = true")
    row = page.get_by_role("row").filter(has_text=prompt)
    expect(row.locator("[data-elapsed]")).to_have_count(1)

    expect(row.get_by_text("Succeeded")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-rows-poll[hx-get]")).to_have_count(0, timeout=JOB_TIMEOUT_MS)  # its files are in

    assert page.evaluate("window.stillTheSamePage === true"), "the list reloaded instead of updating"
    assert 204 in statuses and statuses[-1] == 286, statuses
    expect(row.locator("[data-elapsed]")).to_have_count(0)
    expect(row.locator("img.thumb")).to_have_count(1)
