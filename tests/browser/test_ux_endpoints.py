"""Issue 17 on the endpoint pages: the detail page's layout at desktop size, the New endpoint form's hint and
cost preview, the lists on a phone, and the same words on every page (GPU names, "just now", the budget note)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP
from tests.browser.journeys import field, screenshot
from tests.browser.test_endpoints import create_endpoint, expect_status
from tests.browser.test_phone import PHONE, assert_nothing_wider_than_the_screen

pytestmark = pytest.mark.browser

NAME = "ux-spend"
GPU = "NVIDIA GeForce RTX 4090"
# Backdated this far, the endpoint has run up about $942 at $0.30 an hour: the amount the issue saw wrap.
HOURS_RUN = 3140


def in_console(console, code: str):
    console.manage("shell", "-c", code)


@pytest.fixture(scope="module")
def spent_endpoint(browser, console, admin_session):
    """An available endpoint on one RTX 4090 that has been running for months (its history moved back)."""
    context = browser.new_context(viewport=DESKTOP, base_url=console.url, storage_state=admin_session)
    context.set_default_timeout(15_000)
    page = context.new_page()
    create_endpoint(page, NAME)
    expect_status(page, "Available")
    detail_url = page.url
    context.close()
    in_console(console, "from datetime import timedelta; from django.db.models import F; "
                        "from endpoints.models import EndpointEvent; "
                        f"EndpointEvent.objects.filter(endpoint__name={NAME!r})"
                        f".update(at=F('at') - timedelta(hours={HOURS_RUN}))")
    return detail_url


def card(page, heading):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def lines_of(locator) -> int:
    """How many lines the element's text takes on screen."""
    return locator.evaluate("""el => {
        const range = document.createRange(); range.selectNodeContents(el);
        return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
    }""")


def assert_fits(locator):
    sizes = locator.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"{locator} overflows: {sizes}"


def test_the_new_endpoint_form_hints_the_image_and_says_why_there_is_no_cost(page):
    page.goto("/endpoints/new/")
    image = field(page, "Container image")
    expect(image).to_have_value("")
    expect(image).to_have_attribute("placeholder", re.compile(r"^e\.g\. "))
    expect(image).to_have_accessible_description(re.compile("^The Docker image to run"))
    assert image.evaluate("el => getComputedStyle(el, '::placeholder').fontStyle") == "italic"

    flavor = field(page, "Flavor")
    flavor.select_option(label=flavor.locator("option", has_text=GPU).first.inner_text())
    field(page, "GPUs per instance").fill("4")
    field(page, "GPUs per instance").press("Tab")
    expect(page.get_by_text(f"{GPU} allows at most 2 GPUs per instance")).to_be_visible()
    expect(page.get_by_text("Choose a flavor, the instances")).to_be_hidden()

    field(page, "GPUs per instance").fill("2")
    field(page, "GPUs per instance").press("Tab")
    expect(page.get_by_text("per hour")).to_be_visible()
    expect(page.get_by_text("allows at most")).to_be_hidden()
    screenshot(page, "ux-new-endpoint")


def test_at_desktop_size_the_spend_card_has_room_for_its_amounts(page, spent_endpoint):
    page.goto(spent_endpoint)
    spend, state = card(page, "Spend"), card(page, "Status")
    expect(spend.get_by_text(re.compile(r"^\$9\d\d\.\d\d$"))).to_be_visible()  # about $942 so far
    for amount in spend.locator("dd").all():
        assert lines_of(amount) == 1, f"{amount.inner_text()!r} wraps"
        assert_fits(amount)
    # Side by side, the two cards fill the row: no narrow columns with half the row left empty.
    row = page.locator("#live").bounding_box()
    spend_box, state_box = spend.bounding_box(), state.bounding_box()
    assert spend_box["y"] == state_box["y"] and spend_box["width"] + state_box["width"] > 0.9 * row["width"]

    expect(state).to_contain_text(f"1 × {GPU} at $")
    expect(state).not_to_contain_text("NVIDIA_")
    url = state.locator("dd code").first
    assert lines_of(url) <= 2, "the URL wraps a character at a time"
    for each in [spend, state, url]:
        assert_fits(each)
    assert_nothing_wider_than_the_screen(page)
    screenshot(page, "ux-endpoint-desktop")


def test_a_used_up_budget_says_what_the_console_does_in_step_with_the_status(page, console, spent_endpoint):
    page.goto(spent_endpoint)
    field(page, "Monthly budget (USD)").fill("0.01")
    page.get_by_role("button", name="Save budget").click()
    note = card(page, "Spend").get_by_role("alert")
    expect(note).to_contain_text("budget is used up")
    # The badge and the note are swapped in together: read both at once.
    badge, said = page.locator("#live").evaluate(
        "live => [live.querySelector('.card-head .badge').textContent, live.querySelector('[role=alert]').textContent]")
    if badge == "Available":  # unless the minute's budget sweep has stopped it already
        assert "the console is stopping the endpoint" in said, said

    in_console(console, "from endpoints import budgets; from endpoints.models import Endpoint; "
                        f"budgets.check_budget(Endpoint.objects.get(name={NAME!r}))")
    expect_status(page, "Stopped")  # the page watched until the stop showed
    expect(note).to_contain_text("the endpoint stays stopped until next month")
    expect(note).not_to_contain_text("stopping")


def test_the_flavors_page_lists_the_flavors_on_a_first_visit_in_the_words_of_the_other_pages(page, console):
    in_console(console, "from endpoints.models import Flavor; Flavor.objects.update(listed=False)")  # as if new
    page.goto("/endpoints/flavors/")
    expect(page.get_by_role("cell", name=GPU).first).to_be_visible()
    expect(page.get_by_text("Refreshed just now.")).to_be_visible()
    expect(page.get_by_text("Press Refresh")).to_be_hidden()
    expect(page.get_by_role("main")).not_to_contain_text("NVIDIA_")

    page.goto("/endpoints/")
    expect(page.get_by_role("row").filter(has_text=NAME)).to_contain_text(GPU)
    expect(page.get_by_role("main")).not_to_contain_text("NVIDIA_")


def assert_row_shows_every_value_with_its_label(row, labels):
    cells = row.get_by_role("cell")
    expect(cells).to_have_count(len(labels))
    for cell, label in zip(cells.all(), labels, strict=True):
        expect(cell).to_be_visible()
        expect(cell).to_have_accessible_name(re.compile(rf"^{re.escape(label)} \S"))
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{label} is off screen: {box}"


def test_on_a_phone_the_endpoints_and_flavors_show_every_value_with_its_label(open_page, console, admin_session,
                                                                             spent_endpoint):
    page = open_page(console.url, viewport=PHONE, storage_state=admin_session)
    page.goto("/endpoints/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=NAME))
    assert_row_shows_every_value_with_its_label(
        row, ["Name", "GPU", "Status", "Instances (target / reported)", "Spend so far"])
    expect(row.get_by_role("cell", name=re.compile(r"^Spend so far \$9\d\d\.\d\d$"))).to_be_visible()
    assert_fits(page.locator(".table-wrap"))
    assert_nothing_wider_than_the_screen(page)
    screenshot(page, "ux-endpoints-phone")

    page.goto("/endpoints/flavors/")
    row = page.get_by_role("row").filter(has_text=GPU).first
    assert_row_shows_every_value_with_its_label(
        row, ["GPU", "Region", "CUDA", "USD per GPU-hour", "Available", "GPUs per node"])
    expect(page.get_by_role("link", name="USD per GPU-hour")).to_be_visible()  # sorting stays at hand
    assert_fits(page.locator(".table-wrap"))
    assert_nothing_wider_than_the_screen(page)
    screenshot(page, "ux-flavors-phone")

    page.goto(spent_endpoint)  # the endpoint page stays as fine on a phone as it was
    for amount in card(page, "Spend").locator("dd").all():
        assert lines_of(amount) == 1, f"{amount.inner_text()!r} wraps"
    assert_nothing_wider_than_the_screen(page)

