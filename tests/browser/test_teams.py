"""A team at work: an admin invites a member and a viewer, the member's job is watched live by the admin,
the viewer can look but not touch, and the audit page (and its CSV) tells what happened."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import assert_result_works, field, screenshot, submit_job, wait_for_final_state
from tests.browser.test_endpoints import create_endpoint, expect_status

pytestmark = pytest.mark.browser

TEAM = "Acme"
PASSWORD = "harbour-lights-at-9pm"


def create_team(page):
    page.goto("/workspaces/new/")
    field(page, "Name").fill(TEAM)
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text(f"Workspace: {TEAM}")).to_be_visible()


def invite(page, role: str) -> str:
    page.goto("/workspaces/invitations/")
    field(page, "Role").select_option(label=role)
    page.get_by_role("button", name="Create invitation link").click()
    link = page.locator("code.invite-link").inner_text()
    assert "/invite/" in link
    return link


def sign_up_through(page, link: str, username: str):
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Join {TEAM}")).to_be_visible()
    page.get_by_label("Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up and join").click()
    expect(page.get_by_text(f"Welcome to {TEAM}")).to_be_visible()
    expect(page.get_by_text(f"Workspace: {TEAM}")).to_be_visible()


def forged_post(page, path: str, data: dict) -> int:
    """What a viewer who builds the request by hand gets: the page's CSRF cookie, no button."""
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    return page.request.post(path, form={**data, "csrfmiddlewaretoken": token},
                             headers={"X-CSRFToken": token}).status


def test_an_admin_invites_a_member_and_a_viewer_who_work_within_their_roles(page, open_page, console):
    create_team(page)
    create_endpoint(page, name="team-echo")
    expect_status(page, "Available")
    endpoint_path = page.url.removeprefix(console.url)
    member_link, viewer_link = invite(page, "Member"), invite(page, "Viewer")

    member = open_page(console.url)
    sign_up_through(member, member_link, "mia")
    submit_job(member, "Qwen/Qwen-Image", "a lighthouse for the whole team")

    page.goto(member.url)  # the admin watches the member's job live, on the same UUID URL
    expect(page.get_by_text("mia")).to_be_visible()
    wait_for_final_state(page, "Succeeded")
    assert_result_works(page, "image")
    job_path = page.url.removeprefix(console.url)

    viewer = open_page(console.url)
    sign_up_through(viewer, viewer_link, "vic")
    viewer.goto(endpoint_path)
    expect(viewer.get_by_role("heading", name="team-echo")).to_be_visible()
    for control in ("Scale", "Stop", "Delete"):
        expect(viewer.get_by_role("button", name=control, exact=True)).to_have_count(0)
        expect(viewer.get_by_role("link", name=control, exact=True)).to_have_count(0)
    viewer.goto(job_path)
    expect(viewer.get_by_text("a lighthouse for the whole team").first).to_be_visible()
    expect(viewer.get_by_role("link", name="Delete")).to_have_count(0)
    expect(viewer.get_by_role("link", name="Run again")).to_have_count(0)
    expect(viewer.get_by_role("navigation", name="Main").get_by_role("link", name="New")).to_have_count(0)
    assert forged_post(viewer, endpoint_path + "scale/", {"instances": "3"}) == 403
    assert forged_post(viewer, job_path + "delete/", {}) == 403
    screenshot(viewer, "team-viewer-job")

    page.goto(endpoint_path)
    expect_status(page, "Available")  # the viewer's forged scale changed nothing
    page.goto("/workspaces/audit/")
    rows = page.locator("table.audit-table tbody tr")
    shown = [tuple(rows.nth(i).locator("td").nth(c).inner_text() for c in (1, 2, 3)) for i in range(rows.count())]
    actions = [action for _, action, _ in shown]
    assert actions.count("invite.created") == 2 and actions.count("invite.accepted") == 2
    assert "endpoint.created" in actions and "workspace.created" in actions
    assert "endpoint.scaled" not in actions
    screenshot(page, "team-audit")

    exported = page.request.get("/workspaces/audit.csv")
    assert "attachment" in exported.headers["content-disposition"]
    in_csv = [(row["actor"], row["action"], row["target"]) for row in csv.DictReader(io.StringIO(exported.text()))]
    assert in_csv == shown
