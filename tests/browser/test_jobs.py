import pytest
from PIL import Image
from playwright.sync_api import expect

from jobs import catalogue
from tests.browser.journeys import (assert_result_works, screenshot, submit_job,
                                    wait_for_final_state)

pytestmark = pytest.mark.browser

CATALOGUE_MODELS = ["Qwen/Qwen-Image", "hunyuanvideo-community/HunyuanVideo", "hkchengrex/MMAudio",
                    "haiper/text2video", "haiper/text2image", "apinfer/qwen-image", "apinfer/wan2.2"]
FIXED_SEED = 4242
README_SHOTS = {"hunyuanvideo-community/HunyuanVideo": "job-video"}


@pytest.fixture
def first_frame(tmp_path):
    path = tmp_path / "first-frame.png"
    Image.new("RGB", (320, 180), (40, 90, 160)).save(path)
    return path


@pytest.mark.parametrize("model_key", CATALOGUE_MODELS)
def test_each_catalogue_model_runs_to_a_result_that_plays(page, model_key, first_frame):
    spec = catalogue.get(model_key)
    submit_job(page, model_key, "a lighthouse on a cliff at dusk, waves breaking below",
               first_frame=first_frame if spec.needs_image else None, seed=FIXED_SEED if spec.has_seed else None)
    wait_for_final_state(page, "Succeeded")
    assert_result_works(page, spec.output_kind)
    if spec.has_seed:
        expect(page.locator("dt", has_text="Seed").locator("+ dd")).to_have_text(str(FIXED_SEED))
    screenshot(page, "job-" + model_key.replace("/", "-").lower(), README_SHOTS.get(model_key))


def test_a_failing_prompt_shows_the_providers_message(page):
    submit_job(page, "Qwen/Qwen-Image", "a kite over the dunes [fail]")
    wait_for_final_state(page, "Failed")
    expect(page.get_by_role("alert")).to_contain_text("the prompt contains the [fail] marker")
    screenshot(page, "job-failed")
