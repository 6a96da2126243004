"""A model added on the Models page is a model like the others: chosen on New job, sent, its result shown. (Refused
documents and values answer 422, which the browser logs as an error: tests/jobs/test_models_page.py and
tests/catalogue/ check those.)"""

import json
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import assert_result_works, field, screenshot, wait_for_final_state

pytestmark = pytest.mark.browser


@pytest.fixture
def poster_model(console):
    """A document for a model the sandbox has never been told of (its name says image); removed afterwards, since
    the browser tests share one console."""
    model_id = f"acme/poster-image-{uuid.uuid4().hex[:6]}"
    yield {
        "model_id": model_id, "label": f"Acme Poster {model_id[-6:]}", "description": "Posters from a sentence.",
        "provider": "netmind", "kind": "image",
        "parameters": {"type": "object", "required": ["prompt"], "properties": {
            "prompt": {"type": "string", "maxLength": 500},
            "aspect_ratio": {"type": "string", "title": "Aspect ratio", "enum": ["1:1", "16:9", "9:16"],
                             "default": "1:1"},
            "num_images": {"type": "integer", "title": "Posters", "minimum": 1, "maximum": 2, "default": 1}}},
    }
    console.call("jobs.catalogue.registry.remove", model_id)


def test_an_admin_adds_a_model_on_the_models_page_and_runs_it_from_new_job(page, poster_model):
    page.goto("/jobs/models/")
    page.get_by_role("link", name="Add model").click()
    field(page, "Document (JSON)").fill(json.dumps(poster_model, indent=2))
    page.get_by_role("button", name="Add model").click()
    expect(page.get_by_role("heading", name=poster_model["label"])).to_be_visible()
    page.get_by_role("link", name=f"New job with {poster_model['label']}").click()

    expect(page.get_by_text("Posters from a sentence.")).to_be_visible()
    field(page, "Prompt").fill("a lighthouse poster, bold type")
    field(page, "Aspect ratio").select_option("16:9")
    field(page, "Posters").fill("2")
    page.get_by_role("button", name="Submit job").click()
    page.wait_for_url("**/jobs/*-*/")

    wait_for_final_state(page, "Succeeded")
    assert_result_works(page, "image")
    expect(page.locator("#job-status .result img")).to_have_count(2)
    screenshot(page, "job-added-model")
