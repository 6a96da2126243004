"""Text models: `result.data: [{"text": …}]` instead of a file (API.md, "Other generation models"), as openai/whisper
answers `{"task": "transcribe", "audio_url": …}`; a clip uploaded through the sandbox's Files API is named in it."""

import pytest
import requests

from .conftest import Api, status_in

TERMINAL = ("completed", "failed")
CLIP = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(12_329)  # 12,345 bytes; only its size and name matter here


def finished(api, generation_id):
    return api.wait_for(f"/v1/generation/{generation_id}", status_in(*TERMINAL))


def uploaded(api, name="clip.wav", data=CLIP) -> str:
    """Upload through the Files API as a client does; the file's download link."""
    created = api.post("/v1/files", json={"file_name": name, "purpose": "inference"}).json()
    assert requests.put(created["presigned_url"], data=data, headers={"Content-Type": "audio/wav"},
                        timeout=10).status_code == 200  # fmt: skip
    return api.get(f"/v1/files/{created['id']}/presigned_url").json()["presigned_url"]


def whisper(api, audio_url, task="transcribe") -> dict:
    response = api.post("/v1/generation", json={"model": "openai/whisper",
                                                "config": {"task": task, "audio_url": audio_url}})
    assert response.status_code == 200, response.text
    return finished(api, response.json()["id"])


def test_whisper_transcribes_an_uploaded_clip_naming_the_file_and_its_size(fast_api):
    done = whisper(fast_api, uploaded(fast_api))

    assert done["status"] == "completed"
    [item] = done["result"]["data"]
    assert set(item) == {"text"}  # no url: the result is the text itself
    heading, _, rest = item["text"].partition(": ")
    assert heading == "Transcript of clip.wav (12,345 bytes)"
    assert len(rest.splitlines()) == 2
    assert done["logs"][-1]["text"] == "Generation completed"


def test_the_same_clip_gives_the_same_transcript_and_translate_says_so(fast_api):
    link = uploaded(fast_api)
    first = whisper(fast_api, link)["result"]["data"][0]["text"]
    assert whisper(fast_api, link)["result"]["data"][0]["text"] == first

    translated = whisper(fast_api, link, task="translate")["result"]["data"][0]["text"]
    assert translated.startswith("English translation of clip.wav (12,345 bytes): ")


def test_the_older_schema_carries_the_text_in_result_data_too(sandbox_factory):
    api = Api(sandbox_factory(schema="old", speed=2000))
    done = whisper(api, uploaded(api))
    assert done["status"] == "completed" and done["model_id"] == 87 and done["meta_info"] == {}
    assert done["result"]["data"][0]["text"].startswith("Transcript of clip.wav (12,345 bytes): ")


def test_a_link_with_a_broken_signature_fails_the_generation_saying_why(fast_api):
    forged = uploaded(fast_api).replace("X-Amz-Signature=", "X-Amz-Signature=0")
    done = whisper(fast_api, forged)
    assert done["status"] == "failed" and not done.get("result")
    assert done["logs"][-1]["text"].startswith("Generation failed: could not download audio_url: SignatureDoesNotMatch")


def test_a_deleted_file_fails_the_generation_saying_why(fast_api):
    created = fast_api.post("/v1/files", json={"file_name": "gone.wav"}).json()
    requests.put(created["presigned_url"], data=CLIP, timeout=10)
    link = fast_api.get(f"/v1/files/{created['id']}/presigned_url").json()["presigned_url"]
    fast_api.delete(f"/v1/files/{created['id']}")

    done = whisper(fast_api, link)
    assert done["status"] == "failed"
    assert done["logs"][-1]["text"] == "Generation failed: could not download audio_url: the file was deleted"


def test_another_hosts_link_is_named_by_its_file_name(fast_api):
    done = whisper(fast_api, "https://files.example.com/some/path/interview.mp3?sig=x")
    assert done["result"]["data"][0]["text"].startswith("Transcript of interview.mp3: ")


def test_a_config_without_a_prompt_or_an_input_is_still_a_422(fast_api):
    response = fast_api.post("/v1/generation", json={"model": "openai/whisper", "config": {"task": "transcribe"}})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "config", "prompt"] and error["type"] == "missing"


@pytest.mark.parametrize("model, kind", [
    ("acme/asr-large", "text"), ("acme/llm-7b", "text"), ("acme/image-caption", "text"),
    ("minimax/speech-02-hd", "audio"), ("acme/tts-voice", "audio"), ("google/veo3.1-fast", "video"),
])  # fmt: skip
def test_a_models_kind_is_guessed_from_its_name(fast_api, model, kind):
    created = fast_api.post("/v1/generation", json={"model": model, "config": {"prompt": "a quiet harbour"}})
    [item] = finished(fast_api, created.json()["id"])["result"]["data"]
    assert ("text" if "text" in item else item["file_type"]) == kind


def test_a_text_model_given_only_a_prompt_answers_from_the_prompt(fast_api):
    created = fast_api.post("/v1/generation", json={"model": "acme/llm-7b", "config": {"prompt": "a quiet harbour"}})
    [item] = finished(fast_api, created.json()["id"])["result"]["data"]
    assert item["text"].startswith("Text for “a quiet harbour” from acme/llm-7b: ")


def test_the_fail_marker_fails_a_text_model_too(fast_api):
    created = fast_api.post("/v1/generation", json={"model": "acme/llm-7b", "config": {"prompt": "x [fail]"}})
    done = finished(fast_api, created.json()["id"])
    assert done["status"] == "failed" and "[fail]" in done["logs"][-1]["text"]
