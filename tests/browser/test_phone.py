import pytest
from playwright.sync_api import expect

from tests.browser.journeys import assert_result_works, field, screenshot, wait_for_final_state

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def assert_nothing_wider_than_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"


def test_on_a_phone_the_menu_leads_to_a_job_page_that_fits(open_page, console, admin_session):
    page = open_page(console.url, viewport=PHONE, storage_state=admin_session)
    page.goto("/")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation).to_be_hidden()
    page.get_by_label("Menu").click()
    navigation.get_by_role("link", name="New").click()
    expect(page.get_by_role("heading", name="New job")).to_be_visible()
    assert_nothing_wider_than_the_screen(page)

    field(page, "Prompt").fill("a lighthouse on a cliff at dusk, waves breaking below")
    page.get_by_role("button", name="Submit job").click()
    page.wait_for_url("**/jobs/*-*/")
    wait_for_final_state(page, "Succeeded")
    assert_result_works(page, "image")
    assert_nothing_wider_than_the_screen(page)
    screenshot(page, "phone-job", readme_name="phone-job")
