"""One remote account per token, as at the real providers: each sees and changes only its own objects."""

import json
import secrets
import sqlite3

import pytest
import requests

from tests.fixtures.sandbox import SandboxProcess

from .conftest import Api, status_in

GENERATION = {"model": "Qwen/Qwen-Image", "config": {"prompt": "a lighthouse"}}
HAIPER_IMAGE = {"job_type": "text2image", "config": {"prompt": "a lighthouse"}}
SERVICE = {
    "name": "echo",
    "resource_metadata": {"flavor_id": "69475e82e81c4dd6be3467e2ca374e0c", "target_instance_number": 1},
    "deploy_metadata": {"image_url": "python:3.10-slim", "port": 8080},
}


class Account:
    """One token's objects: a generation, a Haiper image job, a file and an inference service."""

    def __init__(self, sandbox, token):
        self.token, self.api = token, Api(sandbox, token)
        self.generation = self.api.post("/v1/generation", json=GENERATION).json()["id"]
        self.haiper = self.api.post("/v1/netmind-image-job", json=HAIPER_IMAGE).json()["job_id"]
        self.file = self.api.post("/v1/files", json={"file_name": "notes.txt"}).json()["id"]
        self.service = self.api.post("/v1/inference-service", json=SERVICE).json()["service_id"]

    def own_paths(self):
        return [f"/v1/generation/{self.generation}", f"/v1/netmind-image-job/{self.haiper}",
                f"/v1/files/{self.file}", f"/v1/files/{self.file}/presigned_url",
                f"/v1/inference-service/{self.service}"]  # fmt: skip


@pytest.fixture
def alice(sandbox):
    return Account(sandbox, sandbox.account_token(secrets.token_urlsafe(16)))


@pytest.fixture
def bob(sandbox):
    return Account(sandbox, sandbox.account_token(secrets.token_urlsafe(16)))


def test_each_token_lists_only_its_own_objects(alice, bob):
    for me, them in ((alice, bob), (bob, alice)):
        generations = [g["id"] for g in me.api.get("/v1/generation").json()["generation_list"]]
        haiper = me.api.get("/v1/netmind-image-job").json()
        files = [f["id"] for f in me.api.get("/v1/files").json()]
        assert generations == [me.generation] and files == [me.file]
        assert [job["job_id"] for job in haiper["job_list"]] == [me.haiper] and haiper["total_count"] == 1
        assert them.generation not in generations and them.file not in files


def test_another_tokens_object_is_not_found_however_it_is_asked_for(alice, bob):
    for path in bob.own_paths():
        assert alice.api.get(path).status_code == 404, path
        assert bob.api.get(path).status_code == 200, path
    assert alice.api.put(f"/v1/inference-service/{bob.service}",
                         json={"resource_metadata": {"target_instance_number": 3}}).status_code == 404  # fmt: skip
    for path in (f"/v1/generation/{bob.generation}", f"/v1/files/{bob.file}", f"/v1/inference-service/{bob.service}"):
        assert alice.api.delete(path).status_code == 404, path
    service = bob.api.get(f"/v1/inference-service/{bob.service}").json()
    assert service["resource_metadata"]["target_instance_number"] == 1
    assert bob.api.get(f"/v1/generation/{bob.generation}").status_code == 200  # alice's delete changed nothing


def sandbox_headers(account):
    return {"Authorization": f"Bearer {account.token}"}


def test_a_running_service_answers_only_its_owners_token(alice, bob):
    running = bob.api.wait_for(f"/v1/inference-service/{bob.service}", status_in("available"))
    assert running["status"] == "available"
    url = running["endpoint_metadata"]["endpoint_url"] + "/v1/echo"
    assert requests.post(url, json={"x": 1}, headers=sandbox_headers(bob), timeout=5).ok
    assert requests.post(url, json={"x": 1}, headers=sandbox_headers(alice), timeout=5).status_code == 404


def test_the_bare_token_is_an_account_of_its_own(api, alice):
    assert api.get(f"/v1/generation/{alice.generation}").status_code == 404
    assert alice.generation not in [g["id"] for g in api.get("/v1/generation").json()["generation_list"]]


def test_objects_show_their_accounts_user_and_haiper_echoes_the_callers_token(sandbox, alice, bob, api):
    users = {a.api.get(f"/v1/generation/{a.generation}").json()["user_id"] for a in (alice, bob)}
    assert len(users) == 2 and "sandbox-user" not in users
    video = alice.api.post("/v1/netmind-video-job", json={"job_type": "text2video", "config": {"prompt": "x"}}).json()
    assert video["meta_info"]["netmind_api_token"]["api_token"] == alice.token


@pytest.mark.parametrize("suffix", ["", "-short", "-" + "x" * 65, "-has/slash0123", "-has space0123", "x" * 12])
def test_anything_but_the_token_or_a_suffixed_token_is_rejected(sandbox, suffix):
    api = Api(sandbox, sandbox.token + suffix if suffix else "not-the-sandbox-token")
    assert api.get("/v1/generation").status_code == 401
    assert api.post("/api/generate-video", json={"prompt": "x"}).json()["error"] == "Invalid or expired API key"


def test_apinfer_credits_and_jobs_belong_to_one_account(sandbox, alice, bob):
    sandbox.set_credits(50, token=alice.token)
    assert (sandbox.credits(alice.token), sandbox.credits(bob.token), sandbox.credits()) == (50, 1000, 1000)
    job_id = alice.api.post("/api/generate-video", json={"prompt": "tides"}).json()["data"]["job_id"]
    assert bob.api.get(f"/api/generations/{job_id}").status_code == 404
    assert alice.api.get(f"/api/generations/{job_id}").status_code == 200
    sandbox.set_credits(7)  # without a token: every account
    assert (sandbox.credits(alice.token), sandbox.credits(bob.token)) == (7, 7)


def test_the_store_can_be_read_per_account(sandbox, alice, bob):
    assert sandbox.stored_ids("generation", alice.token) == [alice.generation]
    assert {alice.generation, bob.generation} <= set(sandbox.stored_ids("generation"))


def test_a_result_link_is_its_own_credential(alice, bob):
    """Pre-signed links work for whoever holds them, as on S3; only the API is per account."""
    done = alice.api.wait_for(f"/v1/generation/{alice.generation}", status_in("completed"))
    assert requests.get(done["result"]["data"][0]["url"], timeout=10).status_code == 200


def test_a_data_dir_from_before_accounts_keeps_its_objects_for_the_bare_token(tmp_path):
    old = sqlite3.connect(tmp_path / "sandbox.sqlite3")
    old.executescript("CREATE TABLE objects (kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, "
                      "deleted INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL, PRIMARY KEY (kind, id));")  # fmt: skip
    doc = {"name": "old", "description": "", "payment_type": "usd", "service_id": "0ld5e7v1ce", "created": 1.0,
           "resource_metadata": SERVICE["resource_metadata"], "deploy_metadata": SERVICE["deploy_metadata"],
           "timeline": [[1.0, "stopped", None]]}  # fmt: skip
    old.execute("INSERT INTO objects VALUES ('service', '0ld5e7v1ce', 1, 0, ?)", (json.dumps(doc),))
    old.commit()
    old.close()
    with SandboxProcess(tmp_path, speed=50) as sandbox:
        assert Api(sandbox).get("/v1/inference-service/0ld5e7v1ce").json()["status"] == "stopped"
        newcomer = Api(sandbox, sandbox.account_token("n3w-acc0unt"))
        assert newcomer.get("/v1/inference-service/0ld5e7v1ce").status_code == 404
