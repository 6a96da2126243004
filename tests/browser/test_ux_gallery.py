"""Issue 17, as a user met it in the gallery and in the words of the job pages: Download ZIP with nothing ticked,
the filters on a phone, image sizes, providers and models named as people name them, and audio tiles that give
their duration before anyone presses play."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP
from tests.browser.journeys import field, open_new_job, submit_job, wait_for_result
from tests.browser.test_phone import PHONE

pytestmark = pytest.mark.browser

# One word every prompt here shares: searching for it shows only these outputs.
TAG = "uxgalleryjourney"
IMAGE_PROMPT = f"{TAG}: a red kite over a salt marsh"
AUDIO_PROMPT = f"{TAG}: gulls over a harbour"


@pytest.fixture(scope="module")
def tagged_outputs(browser, console, admin_session):
    """An image made at the size "Square HD" and an audio clip, both copied to the gallery; the image job's URL."""
    context = browser.new_context(viewport=DESKTOP, base_url=console.url, storage_state=admin_session)
    context.set_default_timeout(15_000)
    page = context.new_page()
    open_new_job(page, "Qwen/Qwen-Image")
    field(page, "Prompt").fill(IMAGE_PROMPT)
    page.get_by_label("Image size").select_option(label="Square HD")
    page.get_by_role("button", name="Submit job").click()
    page.wait_for_url("**/jobs/*-*/")
    image_job = page.url
    wait_for_result(page, "image")
    submit_job(page, "hkchengrex/MMAudio", AUDIO_PROMPT)
    wait_for_result(page, "audio")
    context.close()
    return {"image_job": image_job}


def tile(page, prompt):
    return page.get_by_role("listitem").filter(has_text=prompt)


def test_download_zip_waits_for_a_ticked_output_and_without_script_says_so_on_the_gallery(
        page, browser, console, admin_session, tagged_outputs):
    page.goto(f"/jobs/gallery/?q={TAG}")
    expect(page.get_by_label("Prompt contains")).to_be_visible()  # on a desktop the filters are not folded
    download = page.get_by_role("button", name="Download ZIP")
    expect(download).to_be_disabled()
    expect(page.get_by_text("Tick outputs to download or delete several at once.")).to_be_visible()
    tick = tile(page, IMAGE_PROMPT).get_by_role("checkbox", name="Select")
    tick.check()
    expect(download).to_be_enabled()
    expect(page.get_by_text("1 selected")).to_be_visible()
    tick.uncheck()
    expect(download).to_be_disabled()

    without_script = browser.new_context(viewport=DESKTOP, base_url=console.url, storage_state=admin_session,
                                         java_script_enabled=False)
    try:
        plain = without_script.new_page()
        plain.goto(f"/jobs/gallery/?q={TAG}")
        plain.get_by_role("button", name="Download ZIP").click()
        expect(plain.get_by_text("No outputs selected: tick at least one.")).to_be_visible()
        expect(plain.get_by_role("heading", name="Gallery")).to_be_visible()
        expect(plain).to_have_url(re.compile(rf"/jobs/gallery/\?q={TAG}$"))  # back where it was, filter kept
        expect(tile(plain, IMAGE_PROMPT)).to_be_visible()
    finally:
        without_script.close()


def test_on_a_phone_the_filters_fold_under_one_line_and_the_first_tile_is_on_the_first_screen(
        open_page, console, admin_session, tagged_outputs):
    page = open_page(console.url, viewport=PHONE, storage_state=admin_session)
    page.goto(f"/jobs/gallery/?q={TAG}")
    search = page.get_by_label("Prompt contains")
    expect(search).to_be_hidden()
    first_tile = page.get_by_role("listitem").filter(has_text=TAG).first
    expect(first_tile).to_be_in_viewport(ratio=0.5)
    assert first_tile.bounding_box()["y"] < PHONE["height"] / 2, "the first tile starts below half the screen"

    page.get_by_text("Filters · 1 active").click()
    expect(search).to_be_visible()
    expect(search).to_have_value(TAG)
    page.get_by_label("Kind").select_option(label="Audio")  # swapped in by htmx: the count follows
    expect(page.get_by_text("Filters · 2 active")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=TAG)).to_have_count(1)


def test_sizes_providers_and_models_are_named_in_words(page, tagged_outputs, tmp_path):
    open_new_job(page, "Qwen/Qwen-Image")
    size = page.get_by_label("Image size")
    expect(size.locator("option:checked")).to_have_text("Landscape 4:3")
    expect(size.get_by_role("option")).to_have_text(
        ["Square HD", "Landscape 4:3", "Landscape 16:9", "Portrait 3:4", "Portrait 9:16"])

    page.goto(tagged_outputs["image_job"])
    expect(page.locator("dt", has_text="Image size").locator("+ dd")).to_have_text("Square HD")

    page.goto(f"/jobs/gallery/?q={TAG}")
    expect(tile(page, IMAGE_PROMPT).get_by_text("NetMind", exact=True)).to_be_visible()
    expect(page.get_by_label("Provider").get_by_role("option", name="NetMind", exact=True)).to_have_count(1)

    first_frame = tmp_path / "first-frame.png"
    Image.new("RGB", (320, 180), (60, 120, 90)).save(first_frame)
    submit_job(page, "apinfer/wan2.2", f"{TAG}: the tide comes in", first_frame=first_frame)
    expect(page.locator("dt", has_text="Model").locator("+ dd")).to_have_text("Apinfer Wan 2.2 image to video")


def test_an_audio_tile_gives_its_duration_before_anyone_presses_play(page, tagged_outputs):
    page.goto(f"/jobs/gallery/?q={TAG}&kind=audio")
    audio_tile = tile(page, AUDIO_PROMPT)
    expect(audio_tile.get_by_text(re.compile(r"^Duration \d+:\d\d$"))).to_be_visible()
    player = audio_tile.locator("audio")
    page.wait_for_function("audio => audio.duration > 0 && audio.paused", arg=player.element_handle())
