"""GET /models: the catalogue, each model's parameters as the JSON Schema of what the New job form accepts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs import catalogue
from jobs.api import job_input
from jobs.api.schemas import JobIn
from netmind_console.workspaces.services import personal_workspace
from tests.api.test_jobs_api import png

from .conftest import ApiClient, problem


def models_by_key(api) -> dict:
    response = api.get("/models")
    assert response.status_code == 200
    return {model["key"]: model for model in response.json()}


def test_the_catalogue_lists_every_model_and_the_free_generation_model(api):
    models = models_by_key(api)
    assert list(models) == [*catalogue.MODELS, catalogue.CUSTOM_KEY]
    wan = models["apinfer/wan2.2"]
    assert (wan["label"], wan["provider"], wan["output_kind"], wan["needs_image"], wan["legacy"]) == (
        "Apinfer Wan 2.2 image to video", "apinfer", "video", True, False)
    assert models["haiper/text2video"]["legacy"] is True


def test_a_models_parameters_carry_the_forms_types_choices_bounds_and_defaults(api):
    qwen = models_by_key(api)["Qwen/Qwen-Image"]["parameters"]
    assert qwen["type"] == "object" and qwen["additionalProperties"] is False
    steps = qwen["properties"]["num_inference_steps"]
    assert (steps["type"], steps["minimum"], steps["maximum"], steps["default"]) == ("integer", 1, 100, 30)
    assert qwen["properties"]["output_format"]["enum"] == ["png", "jpeg"]
    assert qwen["properties"]["enable_safety_checker"] == {"type": "boolean", "title": "Safety checker",
                                                           "default": True}
    assert "seed" not in qwen["properties"]


def test_a_seeded_model_takes_a_seed_and_a_negative_prompt(api):
    haiper = models_by_key(api)["haiper/text2image"]["parameters"]["properties"]
    assert haiper["seed"]["type"] == ["integer", "null"] and haiper["seed"]["maximum"] == 2**31 - 1
    assert haiper["negative_prompt"] == {"type": "string", "maxLength": 2000, "description": "What to keep out."}
    assert haiper["resolution"]["enum"] == [720, 1024]


def test_the_free_generation_model_needs_a_model_id_and_takes_a_config_object(api):
    custom = models_by_key(api)[catalogue.CUSTOM_KEY]["parameters"]
    assert custom["required"] == ["model_id"]
    assert custom["properties"]["config"]["type"] == "object"
    assert custom["properties"]["model_id"]["pattern"] == r"^[\w.-]+/[\w.:-]+$"


def test_the_catalogue_needs_a_key(owner):
    assert problem(ApiClient(None).get("/models"))["status"] == 401


def form_for(owner, spec, parameters):
    image = SimpleUploadedFile("frame.png", png()) if spec.needs_image else None
    body = JobIn(model=spec.key, prompt="a fox", parameters=parameters)
    return job_input.form(job_input.JobRequest(spec, body, image), personal_workspace(owner))


@pytest.mark.parametrize("key", [*catalogue.MODELS, catalogue.CUSTOM_KEY])
def test_the_published_bounds_and_defaults_are_the_forms(api, owner, key):
    """What the schema allows the New job form accepts, and a step past a bound it refuses."""
    spec = catalogue.get(key)
    schema = models_by_key(api)[key]["parameters"]
    required = {"model_id": "google/nano-banana"} if key == catalogue.CUSTOM_KEY else {}
    assert form_for(owner, spec, required).is_valid()
    for name, rule in schema["properties"].items():
        for bound, step in (("minimum", -1), ("maximum", 1)):
            if bound in rule:
                assert form_for(owner, spec, {**required, name: rule[bound]}).is_valid(), (name, bound)
                beyond = form_for(owner, spec, {**required, name: rule[bound] + step})
                assert not beyond.is_valid() and list(beyond.errors) == [name], (name, bound)
