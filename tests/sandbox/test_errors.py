"""Auth and error answers shared by every call."""

import pytest
import requests

from .conftest import Api

GENERATION = {"model": "Qwen/Qwen-Image", "config": {"prompt": "x"}}


def test_the_bare_token_without_bearer_is_accepted(sandbox):
    response = requests.get(f"{sandbox.url}/v1/generation", headers={"Authorization": sandbox.token}, timeout=10)
    assert response.status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer wrong", "wrong", "Bearer "])
def test_netmind_calls_with_a_bad_token_are_a_401_with_a_json_body(sandbox, header):
    headers = {"Authorization": header} if header is not None else {}
    response = requests.post(f"{sandbox.url}/v1/generation", json=GENERATION, headers=headers, timeout=10)
    assert response.status_code == 401 and "detail" in response.json()


def test_apinfer_calls_with_a_bad_token_are_a_401_in_apinfer_style(sandbox):
    response = Api(sandbox, token="expired").post("/api/v1/generate-image", json={"prompt": "x"})
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False and body["error"] == "Invalid or expired API key" and body["message"]


def test_a_rejected_token_creates_nothing(sandbox, api):
    before = len(api.get("/v1/generation").json()["generation_list"])
    Api(sandbox, token="wrong").post("/v1/generation", json=GENERATION)
    assert len(api.get("/v1/generation").json()["generation_list"]) == before


@pytest.mark.parametrize(
    "path", ["/v1/generation/0123", "/v1/netmind-image-job/0123", "/v1/inference-service/0123", "/v1/files/file-0"]
)
def test_an_unknown_id_is_a_404(api, path):
    assert api.get(path).status_code == 404


@pytest.mark.parametrize(
    "body, loc, kind",
    [
        ({"model": "Qwen/Qwen-Image", "config": {}}, ["body", "config", "prompt"], "missing"),
        ({"model": "Qwen/Qwen-Image", "config": {"prompt": 5}}, ["body", "config", "prompt"], "string_type"),
        ({"model": "Qwen/Qwen-Image", "config": "prompt"}, ["body", "config"], "dict_type"),
        ({"config": {"prompt": "x"}}, ["body", "model"], "missing"),
        ({"model": "Qwen/Qwen-Image", "config": {"prompt": "x", "num_images": "two"}},
         ["body", "config", "num_images"], "int_parsing"),
    ],
)  # fmt: skip
def test_a_malformed_generation_is_a_fastapi_style_422(api, body, loc, kind):
    response = api.post("/v1/generation", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == loc and error["type"] == kind and error["msg"]


def test_a_body_that_is_not_json_is_a_422(api):
    response = api.post("/v1/generation", data=b"{not json")
    assert response.status_code == 422 and response.json()["detail"][0]["type"] == "json_invalid"


def test_a_malformed_apinfer_body_is_a_422_that_carries_both_envelopes(api):
    response = api.post("/api/generate-video", json={"prompt": "x", "fps": "fast"})
    body = response.json()
    assert response.status_code == 422 and body["success"] is False
    assert body["detail"][0]["loc"] == ["body", "fps"]


def test_an_unknown_path_is_a_404_and_a_wrong_method_a_405(api):
    assert api.get("/v1/nothing-here").status_code == 404
    assert api.patch("/v1/generation").status_code == 405
