"""GET /_sandbox/lifetimes: the sandbox's own record of when each remote job was created and finished, so
tests can count the jobs a client had alive at the provider at once without trusting the client's rows."""

import secrets

import pytest
import requests

from netmind_console.sandbox.lifecycle import DURATIONS

from .conftest import Api

SPEED = 50  # the shared sandbox's


def lifetimes(sandbox, **query) -> requests.Response:
    return requests.get(f"{sandbox.url}/_sandbox/lifetimes", params=query, timeout=10)


def generate(api: Api, prompt: str) -> str:
    return api.post("/v1/generation", json={"model": "Qwen/Qwen-Image", "config": {"prompt": prompt}}).json()["id"]


@pytest.fixture
def token(sandbox):
    """A remote account of its own, so other tests' generations on the shared sandbox stay out of the answer."""
    return sandbox.account_token(secrets.token_urlsafe(16))


def test_each_generation_is_listed_with_its_creation_and_final_status_time(sandbox, token):
    api = Api(sandbox, token)
    done, failed = generate(api, "a lighthouse"), generate(api, "a storm [fail]")

    answer = lifetimes(sandbox, kind="generation", token=token).json()

    by_id = {lifetime["id"]: lifetime for lifetime in answer["lifetimes"]}
    assert set(by_id) == {done, failed}
    assert by_id[done]["status"] == "completed" and by_id[failed]["status"] == "failed"
    for lifetime in by_id.values():
        assert lifetime["finished"] - lifetime["created"] == pytest.approx(DURATIONS["image"] / SPEED)
        assert lifetime["created"] <= answer["now"]


def test_another_accounts_jobs_are_left_out_and_without_a_token_every_account_is_listed(sandbox, token):
    mine = generate(Api(sandbox, token), "mine")
    theirs = generate(Api(sandbox, sandbox.account_token(secrets.token_urlsafe(16))), "theirs")

    assert [lifetime["id"] for lifetime in lifetimes(sandbox, kind="generation", token=token).json()["lifetimes"]] \
        == [mine]
    everyone = {lifetime["id"] for lifetime in lifetimes(sandbox, kind="generation").json()["lifetimes"]}
    assert {mine, theirs} <= everyone


def test_a_deleted_generation_still_counts_as_having_lived_at_the_provider(sandbox, token):
    api = Api(sandbox, token)
    gone = generate(api, "short-lived")
    assert api.delete(f"/v1/generation/{gone}").status_code == 200

    assert [lifetime["id"] for lifetime in lifetimes(sandbox, kind="generation", token=token).json()["lifetimes"]] \
        == [gone]


def test_other_job_kinds_have_lifetimes_too(sandbox, token):
    job_id = Api(sandbox, token).post(
        "/v1/netmind-image-job", json={"job_type": "text2image", "config": {"prompt": "a kite"}}).json()["job_id"]

    [lifetime] = lifetimes(sandbox, kind="haiper-image", token=token).json()["lifetimes"]

    assert lifetime["id"] == job_id and lifetime["status"] == "succeed"


@pytest.mark.parametrize("query, problem", [
    ({}, "kind must be one of generation, haiper-video, haiper-image, apinfer-video"),
    ({"kind": "service"}, "kind must be one of"),
    ({"kind": "generation", "token": "not-a-sandbox-token"}, "token is not a sandbox token"),
])
def test_a_missing_kind_an_endpoint_or_a_foreign_token_is_refused_with_the_reason(sandbox, query, problem):
    response = lifetimes(sandbox, **query)

    assert response.status_code == 400
    assert problem in response.json()["detail"]
