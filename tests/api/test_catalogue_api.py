"""An added model through the API: GET /models publishes its schema, POST /jobs validates by it, a disabled model is
neither listed nor accepted."""

import json

import pytest

from jobs.catalogue import registry
from jobs.models import Job
from tests.catalogue.test_documents import EXAMPLES

from .conftest import problem

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nano_and_whisper(owner):
    for name in ("google-nano-banana-pro.json", "openai-whisper.json"):
        registry.save(json.loads((EXAMPLES / name).read_text()), owner)


def models_by_key(api) -> dict:
    return {model["key"]: model for model in api.get("/models").json()}


def test_an_added_model_is_published_with_its_schema(api, nano_and_whisper):
    models = models_by_key(api)
    nano, whisper = models["google/nano-banana-pro"], models["openai/whisper"]
    assert (nano["output_kind"], nano["takes_prompt"]) == ("image", True)
    assert nano["parameters"]["properties"]["aspect_ratio"]["enum"][:2] == ["1:1", "2:3"]
    assert (whisper["output_kind"], whisper["takes_prompt"]) == ("text", False)
    assert whisper["parameters"]["properties"]["audio_url"] == {
        "type": "string", "title": "Audio clip", "description": "WAV, MP3, FLAC, OGG or M4A.", "format": "binary",
        "contentMediaType": "audio/*"}
    assert whisper["parameters"]["required"] == ["audio_url"]


def test_post_jobs_validates_an_added_models_parameters_by_its_schema(api, nano_and_whisper):
    refused = api.post("/jobs", {"model": "google/nano-banana-pro", "prompt": "x",
                                 "parameters": {"aspect_ratio": "7:3"}})
    assert refused.status_code == 422
    assert problem(refused)["errors"][0]["field"] == "parameters.aspect_ratio"
    no_clip = api.post("/jobs", {"model": "openai/whisper", "parameters": {"task": "transcribe"}})
    assert [(e["field"], e["message"]) for e in problem(no_clip)["errors"]] == [
        ("parameters.audio_url", "This field is required.")]
    prompted = api.post("/jobs", {"model": "openai/whisper", "prompt": "hello"})
    assert problem(prompted)["errors"][0]["message"] == "Whisper takes no prompt; leave it out."
    not_audio = api.post("/jobs", {"model": "openai/whisper",
                                   "parameters": {"audio_url": "data:audio/wav;base64,aGVsbG8="}})
    assert problem(not_audio)["errors"][0]["field"] == "parameters.audio_url"
    assert not Job.objects.exists()

    accepted = api.post("/jobs", {"model": "google/nano-banana-pro", "prompt": "a heron",
                                  "parameters": {"aspect_ratio": "9:16", "resolution": "2K"}})
    assert accepted.status_code == 201, accepted.content
    assert Job.objects.get().request_body["config"] == {"prompt": "a heron", "aspect_ratio": "9:16",
                                                        "output_format": "png", "resolution": "2K"}


def test_a_disabled_model_is_not_listed_and_not_accepted(api, nano_and_whisper):
    registry.set_enabled("google/nano-banana-pro", False)
    assert "google/nano-banana-pro" not in models_by_key(api)
    refused = api.post("/jobs", {"model": "google/nano-banana-pro", "prompt": "x"})
    assert problem(refused)["errors"][0]["message"] == "Unknown model “google/nano-banana-pro”: see GET /models."
