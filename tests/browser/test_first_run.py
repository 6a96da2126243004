import pytest
from playwright.sync_api import expect

from tests.browser.journeys import ADMIN, complete_first_run, screenshot

pytestmark = pytest.mark.browser


# The console before the page: fixtures end in reverse order, so the page (whose dashboard polls) is closed before
# its server stops, instead of logging a refused poll.
def test_a_newcomer_creates_the_admin_account_and_lands_on_the_dashboard(blank_console, open_page):
    page = open_page(blank_console.url)
    complete_first_run(page, blank_console.url)
    expect(page.get_by_text(f"Welcome, {ADMIN['username']}. Your console is ready.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="New")).to_be_visible()
    screenshot(page, "first-run-dashboard")
