"""Issue 17, accounts and sign-in: a new provider account never takes over as the default, and a failing one says
so wherever it can be picked; a warning before the login lockout; a confirmation after a password change.

Each step signs in as a user of its own (made here), so the admin's session and accounts, which the other
journeys use, are left alone."""

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import field, open_new_job

pytestmark = pytest.mark.browser
PASSWORD = "quiet-harbour-lamp-71"
USERS = {"accounts": "u2-dana", "lockout": "u2-eve", "password": "u2-finn"}


@pytest.fixture(scope="module")
def users(console):
    """Three ordinary users (each with the sandbox accounts every new workspace gets), made in one command."""
    names = list(USERS.values())
    console.manage("shell", "-c", "from django.contrib.auth import get_user_model\n"
                   f"for name in {names!r}: get_user_model().objects.create_user(name, password={PASSWORD!r})")
    return USERS


def log_in(page, username, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def signed_in_page(open_page, console, username):
    page = open_page(console.url)
    log_in(page, username)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    return page


def expect_default_kept_and_failing_marked(select):
    expect(select.locator("option:checked")).to_have_text("Sandbox (default)")
    expect(select.locator("option", has_text="Second NetMind")).to_have_text(
        "Second NetMind — last test failed: token rejected")


def test_a_second_account_with_a_wrong_token_does_not_become_the_default_and_is_marked(open_page, console, users):
    page = signed_in_page(open_page, console, users["accounts"])
    page.goto("/settings/")
    page.get_by_role("link", name="Add account").click()
    page.get_by_label("Provider").select_option(label="NetMind Power")
    page.get_by_label("Label").fill("Second NetMind")
    page.get_by_label("Base URL").fill(console.sandbox_url)
    page.get_by_label("Token").fill("not-the-token")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved Second NetMind. Sandbox stays the default NetMind Power account")).to_be_visible()
    second = page.get_by_role("listitem").filter(has=page.get_by_text("Second NetMind", exact=True))
    second.get_by_role("button", name="Test connection").click()
    expect(second.get_by_role("status")).to_contain_text("NetMind Power rejected the token.")
    expect(second.get_by_role("button", name="Make default")).to_be_visible()

    open_new_job(page, "Qwen/Qwen-Image")
    expect_default_kept_and_failing_marked(page.get_by_label("Provider account"))

    page.goto("/jobs/")
    page.get_by_text("Import history from NetMind").click()
    expect_default_kept_and_failing_marked(page.get_by_label("NetMind account"))


def test_the_last_login_attempts_before_the_lockout_are_counted_down(open_page, console, users):
    page = open_page(console.url)
    alert = page.get_by_role("alert")
    countdown = [None, None, "2 attempts left", "1 attempt left"]  # the fifth failure locks (AXES_FAILURE_LIMIT)
    for left in countdown:
        log_in(page, users["lockout"], "not-my-password")
        expect(alert).to_contain_text("Your username and password didn't match.")
        if left:
            expect(alert).to_contain_text(f"{left} before logging in as {users['lockout']} from your address is "
                                          "locked for 15 minutes.")
        else:
            expect(alert).not_to_contain_text("left before")


def test_a_password_change_is_confirmed(open_page, console, users):
    page = signed_in_page(open_page, console, users["password"])
    page.goto("/settings/")
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    field(page, "New password").fill("second-quiet-harbour-72")
    page.get_by_label("New password confirmation").fill("second-quiet-harbour-72")
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
