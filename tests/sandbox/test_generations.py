"""Asynchronous inference: the requests of API.md and seeds/netmind-asynchronous-inference*.txt."""

import pytest

from .conftest import Api, status_in

QWEN_EXAMPLE = {
    "model": "Qwen/Qwen-Image",
    "config": {
        "prompt": "Generate a cup of coffee",
        "image_size": "landscape_4_3",
        "num_inference_steps": 30,
        "guidance_scale": 2.5,
        "num_images": 1,
        "enable_safety_checker": True,
        "output_format": "png",
        "acceleration": "none",
    },
}
MMAUDIO_EXAMPLE = {"model": "hkchengrex/MMAudio", "config": {"prompt": "The summer wind blows over the willow branches.", "duration": 100}}
HUNYUAN_EXAMPLE = {"model": "hunyuanvideo-community/HunyuanVideo", "config": {"prompt": "A fox running through snow"}}
BASE_FIELDS = {"id", "user_id", "status", "created_at", "updated_at", "deleted_at", "is_deleted"}
TERMINAL = ("completed", "failed")


def finished(api, generation_id):
    return api.wait_for(f"/v1/generation/{generation_id}", status_in(*TERMINAL))


@pytest.mark.parametrize("example", [QWEN_EXAMPLE, MMAUDIO_EXAMPLE, HUNYUAN_EXAMPLE], ids=["image", "audio", "video"])
def test_creating_a_generation_answers_a_pending_object_with_an_empty_result(api, example):
    response = api.post("/v1/generation", json=example)
    assert response.status_code == 200
    body = response.json()
    assert BASE_FIELDS <= set(body)
    assert body["status"] == "pending" and body["result"] == {}
    assert len(body["id"]) == 32 and int(body["id"], 16) >= 0
    assert body["deleted_at"] is None and body["is_deleted"] is False
    assert body["logs"] == [{"text": "Generation queued"}]


@pytest.mark.parametrize(
    "example, file_type", [(QWEN_EXAMPLE, "image"), (MMAUDIO_EXAMPLE, "audio"), (HUNYUAN_EXAMPLE, "video")]
)
def test_a_generation_walks_pending_then_processing_then_completed_with_result_data(api, example, file_type):
    generation_id = api.post("/v1/generation", json=example).json()["id"]
    seen = set()
    body = api.wait_for(f"/v1/generation/{generation_id}", lambda b: seen.add(b["status"]) or b["status"] in TERMINAL)
    assert body["status"] == "completed"
    assert seen - {"completed"} <= {"pending", "initializing", "processing"}
    [item] = body["result"]["data"]
    assert set(item) == {"url", "file_id", "file_name", "file_type"}
    assert item["file_type"] == file_type and item["file_id"].startswith("file-")
    assert body["pending_duration"] >= 0 and body["processing_duration"] > 0
    assert [log["text"] for log in body["logs"]][-1] == "Generation completed"


def test_a_fail_marker_in_the_prompt_fails_the_generation_and_explains_it_in_the_logs(api):
    body = {"model": "Qwen/Qwen-Image", "config": {"prompt": "a broken cup [fail]"}}
    generation_id = api.post("/v1/generation", json=body).json()["id"]
    done = finished(api, generation_id)
    assert done["status"] == "failed" and done["result"] == {}
    assert "[fail]" in done["logs"][-1]["text"]


def test_listing_generations_returns_them_under_generation_list_newest_first(api):
    first = api.post("/v1/generation", json=QWEN_EXAMPLE).json()["id"]
    second = api.post("/v1/generation", json=QWEN_EXAMPLE).json()["id"]
    listed = [g["id"] for g in api.get("/v1/generation").json()["generation_list"]]
    assert listed.index(second) < listed.index(first)


def test_deleting_a_generation_answers_the_documented_message_and_hides_it(api):
    generation_id = api.post("/v1/generation", json=QWEN_EXAMPLE).json()["id"]
    response = api.delete(f"/v1/generation/{generation_id}")
    assert response.status_code == 200 and response.json() == {"message": "Generation deleted"}
    assert api.get(f"/v1/generation/{generation_id}").status_code == 404
    assert generation_id not in [g["id"] for g in api.get("/v1/generation").json()["generation_list"]]


def test_an_unknown_model_without_a_slash_is_rejected_with_model_name_not_exists(api):
    response = api.post("/v1/generation", json={"model": "nano-banana", "config": {"prompt": "x"}})
    assert response.status_code == 400
    assert response.json() == {"detail": "Model name: nano-banana not exists"}


@pytest.mark.parametrize("model, file_type", [("google/nano-banana", "image"), ("google/veo3.1-fast", "video")])
def test_an_advanced_model_id_with_a_slash_is_accepted_and_completes(fast_api, model, file_type):
    response = fast_api.post("/v1/generation", json={"model": model, "config": {"prompt": "x", "extra_field": 1}})
    assert response.status_code == 200
    done = finished(fast_api, response.json()["id"])
    assert done["result"]["data"][0]["file_type"] == file_type


def test_num_images_gives_one_result_entry_per_image(api):
    body = {"model": "Qwen/Qwen-Image", "config": {"prompt": "two cups", "num_images": 2}}
    done = finished(api, api.post("/v1/generation", json=body).json()["id"])
    assert len(done["result"]["data"]) == 2


def test_the_old_schema_flag_answers_model_id_backend_id_and_meta_info(sandbox_factory):
    api = Api(sandbox_factory(schema="old"))
    created = api.post("/v1/generation", json=MMAUDIO_EXAMPLE).json()
    assert created["status"] == "pending"
    assert created["model_id"] == 84 and created["backend_id"] is None
    assert created["payment_type"] == "usd" and created["meta_info"] == {}
    assert "result" not in created
    done = finished(api, created["id"])
    assert done["status"] == "completed" and len(done["backend_id"]) == 32
    assert done["meta_info"]["file_id"].startswith("file-")
    assert "/files/" in done["meta_info"]["result_download_url"]
    assert api.get("/v1/generation").json()["generation_list"][0]["meta_info"] == done["meta_info"]


def test_the_schema_can_be_switched_at_runtime_and_old_failures_carry_an_error_message(api, sandbox):
    sandbox.configure(schema="old")
    body = {"model": "Qwen/Qwen-Image", "config": {"prompt": "[fail]"}}
    done = finished(api, api.post("/v1/generation", json=body).json()["id"])
    assert done["status"] == "failed" and "[fail]" in done["meta_info"]["error_message"]
