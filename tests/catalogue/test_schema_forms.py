"""Forms from the schema: what New job and compare show for a model is what its document says."""

import json
import re

import pytest

from jobs.catalogue import registry
from jobs.models import Job
from tests.catalogue.test_documents import EXAMPLES, NANO

pytestmark = pytest.mark.django_db

CAPTIONER = {
    "model_id": "acme/captioner", "label": "Captioner", "description": "Writes a caption.", "provider": "netmind",
    "kind": "text",
    "parameters": {"type": "object", "required": ["prompt"], "properties": {
        "prompt": {"type": "string", "maxLength": 50},
        "style": {"type": "string", "title": "Style", "maxLength": 10},
        "words": {"type": "integer", "title": "Words", "minimum": 5, "maximum": 60, "default": 20},
        "temperature": {"type": "number", "title": "Temperature", "minimum": 0, "maximum": 2, "default": 0.7},
        "rhymes": {"type": "boolean", "title": "Rhymes", "default": False},
        "seed": {"type": "integer", "minimum": 0, "maximum": 1000}}},
}


def field_error(page: str, name: str) -> str:
    """The error shown under one field: the text of its group's error list."""
    group = re.search(rf'<div[^>]*>\s*<label for="id_{name}".*?</div>', page, re.DOTALL)
    assert group, f"no field {name}"
    return re.sub(r"<[^>]+>", " ", re.search(r'<ul class="errorlist".*?</ul>', group.group(0), re.DOTALL).group(0))


def test_the_new_job_form_is_built_from_the_models_schema(owner_client, owner):
    registry.save(CAPTIONER, owner)
    page = owner_client.get("/jobs/new/", {"model": "acme/captioner"}).content.decode()

    assert re.search(r'<textarea name="prompt"[^>]*maxlength="50"', page)
    assert re.search(r'<input type="text" name="style"[^>]*maxlength="10"', page)
    assert re.search(r'<input type="number" name="words" value="20"[^>]*min="5"[^>]*max="60"', page)
    assert re.search(r'<input type="number" name="temperature" value="0.7"[^>]*min="0"[^>]*max="2"[^>]*step="any"',
                     page)
    assert re.search(r'<input type="checkbox" name="rhymes"', page)
    assert 'name="seed_mode" value="random"' in page and 'name="seed_mode" value="fixed"' in page


def test_a_value_the_schema_refuses_is_named_under_its_field_and_nothing_is_saved(owner_client, owner):
    registry.save(CAPTIONER, owner)
    account = owner.provider_accounts.get(provider="netmind").pk
    response = owner_client.post("/jobs/new/", {"model": "acme/captioner", "account": account, "prompt": "a fox",
                                                "style": "x" * 11, "words": 61, "temperature": 0.5,
                                                "seed_mode": "random"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "at most 10 characters (it has 11)" in field_error(page, "style")
    assert "less than or equal to 60" in field_error(page, "words")
    assert not Job.objects.exists()


def test_a_model_without_a_prompt_asks_for_its_file_instead(owner_client, owner):
    registry.save(json.loads((EXAMPLES / "openai-whisper.json").read_text()), owner)
    page = owner_client.get("/jobs/new/", {"model": "openai/whisper"}).content.decode()
    assert 'name="prompt"' not in page
    assert re.search(r'<input type="file" name="audio_url" accept="audio/\*"', page)
    assert re.search(r'<select name="task"[^>]*>\s*<option value="transcribe" selected>', page)


def test_compare_offers_added_models_that_a_prompt_alone_can_run(owner_client, owner):
    registry.save(NANO, owner)
    registry.save(json.loads((EXAMPLES / "openai-whisper.json").read_text()), owner)
    page = owner_client.get("/jobs/compare/").content.decode()
    assert 'value="google/nano-banana-pro"' in page
    assert 'value="openai/whisper"' not in page and 'value="apinfer/wan2.2"' not in page
