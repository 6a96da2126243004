"""axe-core on every page a signed-in admin reads, at desktop and phone size: no violation.

The pages are every GET route of the URL resolver (tests/security/crawl.py, as the role crawl reads them), filled
with objects made for this run in the live console. A route that answers no full HTML page (a POST-only action,
a fragment, a file, a ZIP) is skipped. axe-core comes bundled with axe-playwright-python: no CDN, no download.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP
from tests.browser.journeys import ADMIN
from tests.security.crawl import all_routes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
OBJECTS = "tests.browser.accessibility_objects.one_of_everything"


@pytest.fixture(scope="module")
def page_urls(console, admin_session, browser):
    """The URL of every full HTML page the admin may read, each once (a route that redirects lands on another)."""
    ids = console.call(OBJECTS, ADMIN["username"])
    context = browser.new_context(base_url=console.url, storage_state=admin_session)
    urls = []
    for route in all_routes():
        answer = context.request.get(route.url(ids))
        if answer.ok and answer.headers.get("content-type", "").startswith("text/html") and "<html" in answer.text():
            urls.append(answer.url.removeprefix(console.url))
    context.close()
    assert len(urls) > 25, urls  # the crawl reached the console's pages, not only the sign-in page
    return sorted(set(urls))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violation_on_any_page(browser, console, admin_session, page_urls, viewport):
    context = browser.new_context(viewport=viewport, base_url=console.url, storage_state=admin_session)
    context.set_default_timeout(15_000)
    page, axe, found = context.new_page(), Axe(), []
    for url in page_urls:
        page.goto(url)
        page.wait_for_load_state("load")
        found += [_describe(url, violation) for violation in axe.run(page).response["violations"]]
    context.close()
    assert not found, f"axe-core found {len(found)} violation(s) at {viewport['width']}×{viewport['height']}:\n" + \
        "\n".join(found)


def _describe(url, violation) -> str:
    nodes = "\n".join(f"      {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1].strip()}"
                      for node in violation["nodes"][:5])
    return f"{url}  [{violation['impact']}] {violation['id']}: {violation['help']}\n{nodes}"
