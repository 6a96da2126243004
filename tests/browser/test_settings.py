import pytest
from playwright.sync_api import expect

from tests.browser.journeys import screenshot
from tests.fixtures.sandbox import TOKEN as SANDBOX_TOKEN

pytestmark = pytest.mark.browser


def add_netmind_account(page, label, token, base_url):
    page.goto("/settings/")
    page.get_by_role("link", name="Add account").click()
    page.get_by_label("Provider").select_option(label="NetMind Power")
    page.get_by_label("Label").fill(label)
    page.get_by_label("Base URL").fill(base_url)
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved {label}.")).to_be_visible()
    return page.get_by_role("listitem").filter(has=page.get_by_text(label, exact=True))


def test_a_netmind_token_is_tested_and_a_wrong_one_is_rejected(page, console):
    good = add_netmind_account(page, "Team", SANDBOX_TOKEN, console.sandbox_url)
    good.get_by_role("button", name="Test connection").click()
    expect(good.get_by_role("status")).to_have_text("Connected: NetMind Power accepted the token.")

    wrong = add_netmind_account(page, "Wrong token", "not-the-token", console.sandbox_url)
    wrong.get_by_role("button", name="Test connection").click()
    expect(wrong.get_by_role("status")).to_contain_text("NetMind Power rejected the token.")
    screenshot(page, "settings-token-tested")

    # Leave only working accounts behind for the journeys that submit jobs.
    wrong.get_by_role("link", name="Remove").click()
    page.get_by_role("button", name="Remove account").click()
    expect(page.get_by_text("Removed Wrong token.")).to_be_visible()
