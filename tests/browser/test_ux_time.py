"""Dates are read in the time zone chosen in Settings (issue 17, item 3): someone in Tokyo sees their job's time
in Tokyo time on the job page and the jobs list, not UTC. A user of its own: other journeys rely on the admin's UTC.
"""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import field, submit_job

pytestmark = pytest.mark.browser

PASSWORD = "cherry-blossom-tram-19"
TOKYO, UTC = ZoneInfo("Asia/Tokyo"), ZoneInfo("UTC")


@pytest.fixture
def tokyo_user(console):
    username = f"tomo-{uuid.uuid4().hex[:6]}"
    console.manage("shell", "-c", "from django.contrib.auth import get_user_model; "
                   f"get_user_model().objects.create_user({username!r}, password={PASSWORD!r})")
    return username


def sign_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def hour_and_minute(time_element, zone) -> str:
    """The element's moment (its machine-readable datetime, in UTC) as a clock in `zone` reads it."""
    return datetime.fromisoformat(time_element.get_attribute("datetime")).astimezone(zone).strftime("%H:%M")


def test_someone_who_chose_tokyo_reads_their_job_in_tokyo_time(open_page, console, tokyo_user):
    page = open_page(console.url)
    sign_in(page, tokyo_user)
    page.goto("/settings/")
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")

    submit_job(page, "Qwen/Qwen-Image", "the first tram of the morning in Tokyo")
    first_step = page.get_by_role("main").locator("time").first
    expect(first_step).to_contain_text(hour_and_minute(first_step, TOKYO))
    expect(first_step).not_to_contain_text(hour_and_minute(first_step, UTC))

    page.goto("/jobs/")
    created = page.get_by_role("row").filter(has_text="the first tram of the morning").locator("time").first
    expect(created).to_contain_text(hour_and_minute(created, TOKYO))
    expect(created).not_to_contain_text(hour_and_minute(created, UTC))
