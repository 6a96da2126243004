"""The admin URLs: no auth, runtime config, credits, restart-safe state."""

import requests

from .conftest import Api, status_in


def test_health_needs_no_token(sandbox):
    assert requests.get(f"{sandbox.url}/_sandbox/health", timeout=5).json() == {"ok": True}


def test_config_changes_at_runtime_and_rejects_bad_values(sandbox):
    assert sandbox.configure(schema="old", latency_ms=5)["schema"] == "old"
    for bad in ({"schema": "newest"}, {"fail_rate": 2}, {"speed": 0}, {"colour": "red"}):
        assert requests.post(f"{sandbox.url}/_sandbox/config", json=bad, timeout=5).status_code == 400
    assert requests.get(f"{sandbox.url}/_sandbox/config", timeout=5).json()["latency_ms"] == 5


def test_credits_can_be_set_and_read_back(sandbox):
    assert sandbox.set_credits(42) == {"credits": 42}
    assert sandbox.credits() == 42


def test_state_and_links_survive_a_restart(sandbox_factory):
    sandbox = sandbox_factory(credits=77, speed=5)
    api = Api(sandbox)
    generation_id = api.post("/v1/generation", json={"model": "Qwen/Qwen-Image", "config": {"prompt": "kept"}}).json()["id"]
    job_id = api.post("/v1/netmind-image-job", json={"job_type": "text2image", "config": {"prompt": "kept"}}).json()["job_id"]
    sandbox.restart()
    api = Api(sandbox)
    assert api.get(f"/v1/generation/{generation_id}").status_code == 200
    done = api.wait_for(f"/v1/generation/{generation_id}", status_in("completed"))
    url = done["result"]["data"][0]["url"]
    assert api.get(f"/v1/netmind-image-job/{job_id}").json()["job_id"] == job_id
    assert sandbox.credits() == 77
    sandbox.restart()
    assert requests.get(url, timeout=10).status_code == 200  # signed before the restart, still valid after
