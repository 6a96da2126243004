"""Injected faults, latency and the call counters that tests read back."""

import time
from collections import Counter

import pytest
import requests

GENERATION = {"model": "Qwen/Qwen-Image", "config": {"prompt": "x"}}


def outcome(api, method="get", path="/v1/inference-service/flavor", **kwargs) -> str:
    """How one call ended, judged only from what the client saw."""
    try:
        response = getattr(api, method)(path, **kwargs)
    except requests.ConnectionError:
        return "drop"
    if response.status_code == 502:
        assert response.headers["Content-Type"].startswith("text/html")
        return "html_502"
    if response.status_code == 429:
        assert response.headers["Retry-After"] == "1"
    if response.status_code in (429, 500, 503):
        return f"http_{response.status_code}"
    assert response.status_code == 200
    return "none"


def test_a_fail_rate_faults_that_share_of_a_thousand_calls_with_every_kind_of_fault(api, sandbox):
    sandbox.configure(fail_rate=0.3)
    seen = Counter(outcome(api) for _ in range(1000))
    faulted = 1000 - seen["none"]
    assert abs(faulted / 1000 - 0.3) <= 0.05
    assert set(seen) == {"none", "http_500", "http_503", "http_429", "html_502", "drop"}
    stats = sandbox.stats()
    assert stats["calls"] == {"GET /v1/inference-service/flavor": 1000}
    assert stats["faults"] == dict(seen)


def test_a_500_fault_says_service_is_unavailable(api, sandbox):
    sandbox.configure(fail_rate=1)
    statuses = []
    while 500 not in statuses and len(statuses) < 200:
        try:
            response = api.get("/v1/generation")
        except requests.ConnectionError:
            continue
        statuses.append(response.status_code)
    assert response.status_code == 500 and response.json() == {"detail": "Service is unavailable"}


def test_a_faulted_create_creates_nothing(api, sandbox):
    before = len(api.get("/v1/generation").json()["generation_list"])
    sandbox.configure(fail_rate=1)
    outcomes = {outcome(api, "post", "/v1/generation", json=GENERATION) for _ in range(20)}
    sandbox.configure(fail_rate=0)
    assert "none" not in outcomes
    assert len(api.get("/v1/generation").json()["generation_list"]) == before


def test_admin_urls_and_media_links_are_never_faulted(api, sandbox):
    api.post("/v1/generation", json=GENERATION)
    sandbox.configure(fail_rate=1, speed=2000)
    for _ in range(20):
        assert sandbox.stats()["calls"]
    sandbox.configure(fail_rate=0)
    generation = api.get("/v1/generation").json()["generation_list"][0]
    url = api.wait_for(f"/v1/generation/{generation['id']}", lambda b: b["status"] == "completed")["result"]["data"][0]["url"]
    sandbox.configure(fail_rate=1)
    assert all(requests.get(url, timeout=10).status_code == 200 for _ in range(10))


def test_latency_comes_after_the_call_so_a_timed_out_create_still_happened(api, sandbox):
    before = len(api.get("/v1/generation").json()["generation_list"])
    sandbox.configure(latency_ms=600)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        api.post("/v1/generation", json=GENERATION, timeout=0.2)
    sandbox.configure(latency_ms=0)
    assert len(api.get("/v1/generation").json()["generation_list"]) == before + 1
    assert time.monotonic() - started < 2


def test_calls_are_counted_per_method_and_path_template_with_ids_as_placeholders(api, sandbox):
    created = api.post("/v1/generation", json=GENERATION).json()
    api.get(f"/v1/generation/{created['id']}")
    api.get("/v1/generation/0123")
    api.delete(f"/v1/generation/{created['id']}")
    assert sandbox.calls() == {
        "POST /v1/generation": 1,
        "GET /v1/generation/{id}": 2,
        "DELETE /v1/generation/{id}": 1,
    }
    assert sandbox.stats()["outcomes"]["GET /v1/generation/{id}"] == {"none": 2}
    sandbox.reset()
    assert sandbox.calls() == {}
