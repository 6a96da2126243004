"""Catalogue documents: the shipped ones and the examples are valid, and a wrong one is refused at the JSON path of
what is wrong, whatever the mistake."""

import copy
import json
from pathlib import Path

import pytest

from jobs import catalogue
from jobs.catalogue import documents, registry

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "catalogue"
NANO = json.loads((EXAMPLES / "google-nano-banana-pro.json").read_text())


def test_every_shipped_model_is_a_document_and_reads_back_as_the_spec_the_console_uses():
    assert list(registry.SHIPPED_DOCUMENTS) == list(catalogue.MODELS) == [
        "Qwen/Qwen-Image", "hunyuanvideo-community/HunyuanVideo", "hkchengrex/MMAudio", "haiper/text2video",
        "haiper/text2image", "apinfer/qwen-image", "apinfer/wan2.2"]
    wan = catalogue.MODELS["apinfer/wan2.2"]
    assert (wan.adapter, wan.needs_image, wan.has_seed, wan.remote_model) == ("apinfer_video", True, False, "wan2.2")
    haiper = catalogue.MODELS["haiper/text2video"]
    assert (haiper.provider, haiper.adapter, haiper.legacy, haiper.has_seed) == ("netmind", "haiper_video", True, True)
    assert [field.name for field in catalogue.MODELS["Qwen/Qwen-Image"].fields] == [
        "image_size", "num_inference_steps", "guidance_scale", "num_images", "enable_safety_checker",
        "output_format", "acceleration"]


def test_the_examples_read_as_an_image_model_and_a_text_model_with_an_audio_input():
    nano = documents.spec_from(documents.checked(NANO))
    assert (nano.adapter, nano.output_kind, nano.has_prompt) == ("generation", "image", True)
    assert dict((f.name, f.choices[:3]) for f in nano.fields)["aspect_ratio"] == ("1:1", "2:3", "3:2")
    whisper = documents.spec_from(documents.parse((EXAMPLES / "openai-whisper.json").read_text()))
    assert (whisper.output_kind, whisper.has_prompt) == ("text", False)
    assert [(f.name, f.kind, f.media) for f in whisper.file_fields] == [("audio_url", "file", "audio")]


def _with(change) -> dict:
    document = copy.deepcopy(NANO)
    change(document)
    return document


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d.pop("kind"), "$", "'kind' is a required property"),
    (lambda d: d.update(provider="openai"), "$.provider", "is not one of ['netmind', 'haiper', 'apinfer']"),
    (lambda d: d.update(model_id="nano banana"), "$.model_id", "not a model id: owner/name"),
    (lambda d: d.update(colour="red"), "$", "A document has only these keys"),
    (lambda d: d["parameters"]["properties"]["aspect_ratio"].update(enum=[]),
     "$.parameters.properties.aspect_ratio.enum", "should be non-empty"),
    (lambda d: d["parameters"]["properties"]["aspect_ratio"].update(default="7:3"),
     "$.parameters.properties.aspect_ratio.default", "is not one of the enum's values"),
    (lambda d: d["parameters"]["properties"].update(steps={"type": "integer", "minimum": 10, "maximum": 1}),
     "$.parameters.properties.steps.minimum", "is above the maximum"),
    (lambda d: d["parameters"]["properties"].update(steps={"type": "int"}), "$.parameters.properties.steps.type",
     "is not one of ['string', 'integer', 'number', 'boolean']"),
    (lambda d: d["parameters"]["properties"].update(clip={"type": "string", "format": "binary"}),
     "$.parameters.properties.clip", "needs a contentMediaType"),
    (lambda d: d["parameters"]["properties"].update(seed={"type": "string"}), "$.parameters.properties.seed.type",
     "must be an integer"),
    (lambda d: d["parameters"].update(required=["prompt", "style"]), "$.parameters.required[1]",
     "“style” is not one of the parameters"),
    (lambda d: d["parameters"]["properties"].update(account={"type": "string"}), "$.parameters.properties",
     '"account" cannot name a parameter'),
    (lambda d: d["parameters"]["properties"].update(style={"type": "string", "default": "a", "minimum": 1}),
     "$.parameters.properties.style.minimum", "A range bounds a number"),
    (lambda d: d["parameters"]["properties"].update(style={"type": "string", "pattern": "^a"}),
     "$.parameters.properties.style", "'pattern' was unexpected"),
    (lambda d: d.update(provider="haiper", kind="audio"), "$.kind", "haiper makes image or video, not audio"),
    (lambda d: d.update(provider="apinfer", kind="video"), "$.parameters.properties",
     "An Apinfer video model animates a first frame"),
])
def test_a_wrong_document_is_refused_at_the_json_path_of_what_is_wrong(change, path, words):
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.checked(_with(change))
    assert any(problem.path == path and words in problem.message for problem in refused.value.problems), \
        refused.value.problems


@pytest.mark.parametrize("text, words", [("{", "is not valid JSON: Expecting property name"),
                                         ("[]", "is not of type 'object'"), ('{"a": NaN}', "holds NaN"),
                                         ("[" * 50_000, "nested deeper than 64 levels"),
                                         ("x" * 100_001, "too long: 100,001 characters; at most 100,000")])
def test_text_that_is_no_document_is_refused_with_the_reason(text, words):
    with pytest.raises(documents.DocumentRefused, match=words):
        documents.parse(text)
