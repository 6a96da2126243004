"""Live console for the browser journeys: sandbox, worker and gunicorn as real processes, driven by Chromium.

The processes get their own SQLite file and media under a fresh CONSOLE_VAR_DIR; they never see the
pytest-django test database. Everything is package-scoped, not session-scoped: Playwright's sync API
leaves an event loop marked as running, and Django's ORM refuses to work under one, so the browser and
the processes must be gone before the rest of the suite (tests/clients, tests/jobs, ...) runs.
"""

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.journeys import complete_first_run
from tests.fixtures.live import LiveConsole, collect_static
from tests.fixtures.sandbox import SandboxProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
DESKTOP = {"width": 1280, "height": 800}
# Fast enough that a video job finishes in seconds, slow enough to see the badge move through states.
SANDBOX_SPEED = 20


# --- processes -----------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def static_collected():
    collect_static()


@pytest.fixture(scope="package")
def live_sandbox(tmp_path_factory):
    with SandboxProcess(tmp_path_factory.mktemp("browser-sandbox"), speed=SANDBOX_SPEED, fail_rate=0) as sandbox:
        yield sandbox


@pytest.fixture(scope="package")
def console(tmp_path_factory, static_collected, live_sandbox):
    """Web, worker and sandbox, shared by the journeys (which add to its data as they go)."""
    with LiveConsole(tmp_path_factory.mktemp("browser-console"), live_sandbox.url) as live:
        live.start_worker()
        live.start_web()
        yield live


@pytest.fixture
def blank_console(tmp_path_factory, static_collected, live_sandbox):
    """A web server on an empty database: nobody has signed up yet."""
    with LiveConsole(tmp_path_factory.mktemp("browser-blank"), live_sandbox.url) as live:
        live.start_web()
        yield live


# --- browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def admin_session(browser, console, tmp_path_factory):
    """Cookies of the admin, who signed up on the first-run page of the shared console."""
    context = browser.new_context(viewport=DESKTOP)
    complete_first_run(context.new_page(), console.url)
    state = tmp_path_factory.mktemp("browser-session") / "admin.json"
    context.storage_state(path=state)
    context.close()
    return state


@pytest.fixture
def open_page(browser, request):
    """Open pages (each in its own context) that record the browser's JavaScript errors.

    At the end of the test the errors are attached to the report, and any error fails the test:
    a CSP violation, a failed resource load or an exception in our scripts is a bug.
    """
    errors, contexts = [], []

    def open_(base_url, viewport=DESKTOP, storage_state=None):
        context = browser.new_context(viewport=viewport, base_url=base_url, storage_state=storage_state)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: errors.append(_describe(message)) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        return page

    yield open_
    for context in contexts:
        context.close()
    if errors:
        request.node.add_report_section("teardown", "browser console", "\n".join(errors))
        pytest.fail("The browser logged errors:\n" + "\n".join(errors), pytrace=False)


def _describe(message):
    where = message.location or {}
    return f"console.error at {where.get('url', '?')}:{where.get('lineNumber', '?')}: {message.text}"


@pytest.fixture
def page(open_page, console, admin_session):
    """A desktop page signed in as the admin, with relative URLs against the shared console."""
    return open_page(console.url, storage_state=admin_session)
