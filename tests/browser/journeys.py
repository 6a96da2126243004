"""Steps the browser journeys share: signing up, submitting a job, waiting for it, checking its media, screenshots.

Elements are found as a person finds them: by role, label and visible text. The job's status badge has
no role of its own, so it is the one thing found by its class.
"""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from jobs import catalogue

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
# `make screenshots` sets this: an ordinary test run leaves the committed pictures alone.
REFRESH_README_SCREENSHOTS = os.environ.get("REFRESH_SCREENSHOTS") == "1"
ADMIN = {"username": "admin", "email": "admin@example.com", "password": "lighthouse-at-dusk-42"}
# Long enough for a sandbox video at the suite's speed, its download and its thumbnail on a busy machine.
JOB_TIMEOUT_MS = 60_000
TOASTS_AT_MOST = 20


def field(page: Page, label: str):
    """The control labelled exactly `label` ("Prompt", not "Negative prompt"), with or without Django's colon."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def complete_first_run(page: Page, base_url: str):
    """Any page leads a newcomer to the first-run form; the new admin lands on the dashboard."""
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", name="Welcome to NetMind Console")).to_be_visible()
    page.get_by_label("Username").fill(ADMIN["username"])
    page.get_by_label("Email address").fill(ADMIN["email"])
    field(page, "Password").fill(ADMIN["password"])
    page.get_by_label("Password confirmation").fill(ADMIN["password"])
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def screenshot(page: Page, name: str, readme_name: str | None = None):
    """Keep a picture of the journey's end; some also illustrate the README (committed, so viewport only)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    if readme_name and REFRESH_README_SCREENSHOTS:
        dismiss_toasts(page)
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=README_SCREENSHOTS / f"{readme_name}.png")


def dismiss_toasts(page: Page):
    """Finished-job toasts from other journeys would cover the README's pictures.

    Toasts also fade on their own, so one may vanish just before its click: that is fine too.
    """
    dismiss = page.get_by_role("button", name="Dismiss")
    for _ in range(TOASTS_AT_MOST):
        if not dismiss.count():
            return
        try:
            dismiss.first.click(timeout=1_000)
        except PlaywrightTimeoutError:
            pass


# --- jobs ----------------------------------------------------------------------------------------


def open_new_job(page: Page, model_key: str):
    """The New job page with a model picked from the list; its own fields are swapped in without a reload."""
    spec = catalogue.get(model_key)
    page.goto("/jobs/new/")
    # Picking fires a swap even when the model was already chosen: wait for it, or typing is lost.
    page.locator("#model-form").evaluate("fields => fields.dataset.before = 'the pick'")
    page.get_by_label("Model", exact=True).select_option(label=spec.label)
    expect(page.locator("#model-form[data-before]")).to_have_count(0)
    expect(page.get_by_text(spec.description)).to_be_visible()
    return spec


def submit_job(page: Page, model_key: str, prompt: str, first_frame: Path | None = None, seed: int | None = None):
    """Fill in the prompt (the first frame and a fixed seed when given), submit, land on the job's page."""
    open_new_job(page, model_key)
    field(page, "Prompt").fill(prompt)
    if seed is not None:
        fix_seed(page, seed)
    if first_frame:
        field(page, "First frame (PNG or JPEG)").set_input_files(first_frame)
    page.get_by_role("button", name="Submit job").click()
    page.wait_for_url("**/jobs/*-*/")


def fix_seed(page: Page, seed: int):
    """The seed value is hidden while the seed is random, and shown once "Fixed" is chosen."""
    expect(page.get_by_label("Seed value")).to_be_hidden()
    page.get_by_role("radio", name="Fixed").check()
    page.get_by_label("Seed value").fill(str(seed))


def status_badge(page: Page):
    return page.locator("#job-status .status-line .badge").first


def wait_for_final_state(page: Page, expected: str):
    """Watch the badge change on the open page: a marker set on window proves nothing reloaded it."""
    page.evaluate("window.stillTheSamePage = true")
    first_seen = status_badge(page).inner_text()
    expect(status_badge(page)).to_have_text(expected, timeout=JOB_TIMEOUT_MS)
    assert first_seen != expected, f"the job was already {expected} when its page opened: nothing was watched"
    assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded instead of updating in place"


def wait_for_result(page: Page, kind: str):
    """The finished job's result, once the console has copied it to local storage."""
    result = page.locator(f"#job-status .result {'img' if kind == 'image' else kind}").first
    expect(result).to_be_attached(timeout=JOB_TIMEOUT_MS)
    result.scroll_into_view_if_needed()
    return result


def assert_result_works(page: Page, kind: str):
    result = wait_for_result(page, kind)
    {"image": assert_image_loaded, "video": assert_video_plays, "audio": assert_audio_has_duration}[kind](result)


def assert_image_loaded(image):
    image.page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())


def assert_video_plays(video):
    """Decodable (readyState >= HAVE_CURRENT_DATA) and seekable: byte ranges work end to end."""
    state = video.evaluate("""video => new Promise((resolve, reject) => {
        const seek = () => {
            video.addEventListener("seeked", () => resolve({ready: video.readyState, at: video.currentTime}), {once: true});
            video.currentTime = video.duration / 2;
        };
        video.addEventListener("error", () => reject(new Error("video error " + (video.error && video.error.code))));
        if (video.readyState >= 1) seek(); else video.addEventListener("loadedmetadata", seek, {once: true});
    })""")
    assert state["at"] > 0, state
    video.page.wait_for_function("video => video.readyState >= 2", arg=video.element_handle())


def assert_audio_has_duration(audio):
    duration = audio.evaluate("""audio => new Promise((resolve, reject) => {
        if (audio.readyState >= 1) return resolve(audio.duration);
        audio.addEventListener("loadedmetadata", () => resolve(audio.duration), {once: true});
        audio.addEventListener("error", () => reject(new Error("audio error " + (audio.error && audio.error.code))));
    })""")
    assert duration and duration != float("inf") and duration > 0, duration
