import pytest
from playwright.sync_api import expect

from tests.browser.journeys import assert_result_works, field, screenshot, wait_for_final_state

pytestmark = pytest.mark.browser

# More Tab presses than the page has stops: beyond this, focus is lost somewhere it should not be.
MAX_TABS = 60


def tab_to(page, target):
    """Press Tab, as a keyboard user does, until `target` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_a_job_can_be_submitted_with_the_keyboard_alone(page):
    page.goto("/jobs/new/")
    prompt = field(page, "Prompt")
    tab_to(page, prompt)
    page.keyboard.type("a lighthouse on a cliff at dusk, waves breaking below")
    screenshot(page, "new-job", "new-job")  # before Tab scrolls down to the button: the README shows the top
    submit = page.get_by_role("button", name="Submit job")
    tab_to(page, submit)
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/jobs/*-*/")
    wait_for_final_state(page, "Succeeded")
    assert_result_works(page, "image")
