import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import JOB_TIMEOUT_MS, screenshot, submit_job

pytestmark = pytest.mark.browser

# One word every prompt of this journey shares, so searching for it shows only this journey's outputs.
TAG = "galleryjourney"
OUTPUTS = {"image": ["a red fox in fresh snow", "a blue whale under the ice", "a green owl on a branch"],
           "video": ["a paper boat drifting down a stream"], "audio": ["rain on a tin roof"]}
MODELS = {"image": "Qwen/Qwen-Image", "video": "hunyuanvideo-community/HunyuanVideo", "audio": "hkchengrex/MMAudio"}


@pytest.fixture
def journey_outputs(page):
    """Finished outputs of every kind for this journey, submitted one after another, finishing together."""
    prompts = [(kind, f"{TAG}: {prompt}") for kind, prompts in OUTPUTS.items() for prompt in prompts]
    for kind, prompt in prompts:
        submit_job(page, MODELS[kind], prompt)
    wait_until_archived(page, len(prompts))


def wait_until_archived(page, count):
    """Watch the jobs on the job list (live: it keeps its unfinished rows synced) until none is active, then
    reload the gallery (not live), as a person would, until every output has been copied. Unwatched, a job's end
    waits for the minute sweep, which a loaded CI run once met only just past this journey's deadline. The list polls
    once for all its unfinished rows (#job-rows-poll): once that poll is gone, no job is active. The copying has a
    deadline of its own, counted from the jobs' end."""
    page.goto(f"/jobs/?q={TAG}")
    expect(page.locator("table.jobs-table tbody tr")).to_have_count(count)
    expect(page.locator("#job-rows-poll[hx-get]")).to_have_count(0, timeout=JOB_TIMEOUT_MS)
    deadline = time.monotonic() + JOB_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        page.goto(f"/jobs/gallery/?q={TAG}")
        if page.locator(".gallery-item[data-src]").count() == count:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"the gallery did not show {count} archived outputs in time")


def card(page, prompt):
    return page.get_by_role("listitem").filter(has_text=prompt)


def test_the_gallery_filters_shows_a_lightbox_stars_and_deletes_in_bulk(page, journey_outputs):
    page.goto("/jobs/gallery/")
    screenshot(page, "gallery", "gallery")
    page.goto(f"/jobs/gallery/?q={TAG}")
    page.get_by_label("Kind").select_option(label="Image")
    expect(page.get_by_role("listitem").filter(has_text=TAG)).to_have_count(3)
    expect(page).to_have_url(re.compile(r"kind=image"))

    card(page, "red fox").get_by_role("link", name="View full size").click()
    viewer = page.get_by_role("dialog", name="Viewer")
    expect(viewer).to_contain_text("red fox")
    page.keyboard.press("ArrowRight")
    expect(viewer).not_to_contain_text("red fox")
    page.keyboard.press("ArrowLeft")
    expect(viewer).to_contain_text("red fox")
    screenshot(page, "gallery-lightbox")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    star = card(page, "red fox").get_by_role("button", name="Favourite")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")

    for prompt in ("blue whale", "green owl"):
        card(page, prompt).get_by_role("checkbox", name="Select").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_role("button", name="Delete…").click()
    expect(page.get_by_role("heading", name="Delete 2 outputs?")).to_be_visible()
    page.get_by_role("button", name="Delete", exact=True).click()
    page.goto(f"/jobs/gallery/?q={TAG}&kind=image")
    expect(page.get_by_role("listitem").filter(has_text=TAG)).to_have_count(1)
    expect(card(page, "red fox").get_by_role("button", name="Favourite")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "gallery-after-bulk-delete")
