import pytest
from playwright.sync_api import expect

from tests.browser.journeys import JOB_TIMEOUT_MS, field, screenshot

pytestmark = pytest.mark.browser

NAME = "browser-journey"


def status(page):
    """The endpoint's status badge, beside the Status heading; it updates without a reload."""
    return page.locator("#live .card-head .badge")


def expect_status(page, word):
    expect(status(page)).to_have_text(word, timeout=JOB_TIMEOUT_MS)


def create_endpoint(page, name=NAME):
    page.goto("/endpoints/")
    page.get_by_role("link", name="New endpoint").click()
    field(page, "Name").fill(name)
    flavor = field(page, "Flavor")
    flavor.select_option(label=flavor.locator("option", has_text="RTX 4090").first.inner_text())
    field(page, "Instances").fill("1")
    field(page, "GPUs per instance").fill("1")
    field(page, "Container image").fill("python:3.10-slim")
    field(page, "Command").fill("python -m http.server 8080")
    field(page, "Port").fill("8080")
    expect(page.get_by_text("per hour")).to_be_visible()  # the cost preview answered
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def scale_to(page, instances):
    actions = page.locator("section").filter(has=page.get_by_role("heading", name="Actions"))
    field(actions, "Instances").fill(str(instances))
    actions.get_by_role("button", name="Scale").click()
    page.get_by_role("button", name=f"Confirm: scale to {instances}").click()


def try_it(page):
    page.get_by_role("link", name="Try it").click()
    field(page, "Path").fill("/predict")
    field(page, "JSON body").fill('{"prompt": "hello"}')
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("HTTP 200")).to_be_visible()
    expect(page.get_by_text('"Received"')).to_be_visible()
    page.get_by_role("link", name="Back to the endpoint").click()


def test_an_endpoint_is_created_scaled_stopped_started_tried_and_deleted(page):
    create_endpoint(page)
    expect_status(page, "Available")

    scale_to(page, 3)
    expect(page.get_by_text("3 running of 3 wanted")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect_status(page, "Available")
    screenshot(page, "endpoint-scaled", readme_name="endpoint")

    page.get_by_role("button", name="Stop").click()
    expect_status(page, "Stopped")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Confirm: scale to 3").click()  # starting costs money again: asked once more
    expect_status(page, "Available")

    try_it(page)

    page.get_by_role("link", name="Delete").click()
    field(page, "Name").fill(NAME)
    page.get_by_role("button", name="Delete").click()
    expect_status(page, "Deleted")
    screenshot(page, "endpoint-deleted")
