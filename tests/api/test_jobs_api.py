"""POST /jobs, GET /jobs, GET /jobs/{uuid}, DELETE /jobs/{uuid}: what the pages do for jobs, as a script sees it,
against the sandbox over real HTTP."""

import base64
import io
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image

from jobs.models import Job, JobState
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace, set_limits
from tests.fixtures.console import account_of, bad_token_account, wait_until_final
from tests.fixtures.teams import join
from tests.jobs.team import team_job
from tests.jobs.test_lifecycle import new_job

from .conftest import api_as, problem

QWEN = {"model": "Qwen/Qwen-Image", "prompt": "a lighthouse at dusk"}


def png(size=(64, 36)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def data_url(content: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(content).decode()


def fields(response) -> dict:
    """The problem's messages by field (a field's several messages joined)."""
    named = {}
    for error in problem(response)["errors"]:
        named[error["field"]] = " ".join(filter(None, [named.get(error["field"]), error["message"]]))
    return named


# --- POST /jobs ------------------------------------------------------------------------------------------------


def test_a_job_posted_as_json_is_created_and_sent_with_its_parameters(api, owner, console_on_sandbox):
    response = api.post("/jobs", {**QWEN, "parameters": {"num_inference_steps": 12, "output_format": "jpeg"}})

    assert response.status_code == 201
    body = response.json()
    job = Job.objects.get(uuid=body["uuid"])
    assert (body["model"], body["prompt"], body["submitted_by"]) == ("Qwen/Qwen-Image", "a lighthouse at dusk", "alice")
    assert body["parameters"]["num_inference_steps"] == 12 and body["parameters"]["guidance_scale"] == 2.5
    assert body["account"] == str(account_of(owner, "netmind").uuid)
    assert job.workspace == personal_workspace(owner) and job.request_body["config"]["num_inference_steps"] == 12
    assert console_on_sandbox.calls().get("POST /v1/generation") == 1


def test_a_seed_given_is_fixed_and_sent(api):
    response = api.post("/jobs", {"model": "haiper/text2image", "prompt": "a fox", "parameters": {"seed": 4242}})
    assert response.status_code == 201 and response.json()["seed"] == 4242
    assert Job.objects.get().request_body["config"]["settings"]["seed"] == 4242


def test_the_form_refuses_what_the_page_refuses_naming_the_bodys_fields_and_nothing_is_saved(api, console_on_sandbox):
    cases = [
        ({"model": "no/such-model", "prompt": "x"}, "model", "Unknown model “no/such-model”"),
        ({**QWEN, "parameters": {"num_inference_steps": 101}}, "parameters.num_inference_steps",
         "less than or equal to 100"),
        ({**QWEN, "parameters": {"output_format": "gif"}}, "parameters.output_format", "Select a valid choice"),
        ({**QWEN, "parameters": {"num_inference_steps": "12"}}, "parameters.num_inference_steps", "type integer"),
        ({**QWEN, "parameters": {"steps": 12}}, "parameters.steps", "has no parameter “steps”"),
        ({**QWEN, "prompt": "x" * 4001}, "prompt", "at most 4000 characters"),
        ({"model": "Qwen/Qwen-Image"}, "prompt", "Field required"),
        ({"model": "haiper/text2image", "prompt": "x", "parameters": {"seed": -1}}, "parameters.seed",
         "greater than or equal to 0"),
        ({"model": "custom", "prompt": "x", "parameters": {"model_id": "no slash"}}, "parameters.model_id",
         "Enter a model id like owner/name."),
        ({**QWEN, "account": "0c6a7e36-5a67-4a4c-9a55-2b1c8e0f0000"}, "account", "Select a valid choice"),
        ({"model": "apinfer/wan2.2", "prompt": "x"}, "image", "This field is required."),
        ({"model": "apinfer/wan2.2", "prompt": "x", "image": "not a data url"}, "image", "data URL"),
        ({"model": "apinfer/wan2.2", "prompt": "x", "image": "data:image/png;base64,aGVsbG8="}, "image",
         "not a readable image"),
    ]
    for body, field, message in cases:
        response = api.post("/jobs", body)
        assert response.status_code == 422, (body, response.content)
        assert message in fields(response).get(field, ""), (field, problem(response))
    assert not Job.objects.exists() and not console_on_sandbox.calls()


def test_a_body_that_is_not_a_json_object_or_of_another_type_is_refused(api):
    not_an_object = api.client.post("/api/v1/jobs", "[1, 2]", content_type="application/json",
                                    headers=api._headers(None))
    assert not_an_object.status_code == 422 and fields(not_an_object) == {"body": "The body must be a JSON object."}
    as_text = api.client.post("/api/v1/jobs", "model=x", content_type="text/plain", headers=api._headers(None))
    assert as_text.status_code == 415 and "application/json or multipart/form-data" in problem(as_text)["detail"]


def test_an_account_of_another_workspace_is_not_one_to_choose(api, owner, studio):
    response = api.post("/jobs", {**QWEN, "account": str(studio.provider_accounts.get(provider="netmind").uuid)})
    assert response.status_code == 422 and "account" in fields(response)


def test_without_an_account_of_the_models_provider_the_answer_names_account(owner, studio):
    studio.provider_accounts.filter(provider="apinfer").delete()
    response = api_as(owner, studio).post("/jobs", {"model": "apinfer/qwen-image", "prompt": "a fox"})
    assert response.status_code == 422
    assert fields(response)["account"].startswith("Studio has no Apinfer account")


def test_an_image_to_video_job_takes_its_first_frame_as_a_data_url(api, console_on_sandbox):
    frame = png()
    response = api.post("/jobs", {"model": "apinfer/wan2.2", "prompt": "waves", "image": data_url(frame)})

    assert response.status_code == 201, response.content
    job = wait_until_final(Job.objects.get(uuid=response.json()["uuid"]))
    assert job.input_file.endswith(".png") and job.state == JobState.SUCCEEDED


def test_an_image_to_video_job_takes_its_first_frame_as_a_multipart_file(api):
    frame = io.BytesIO(png())
    frame.name = "frame.png"
    response = api.post_multipart("/jobs", {"model": "apinfer/wan2.2", "prompt": "waves", "image": frame,
                                            "parameters": json.dumps({"fps": 12})})

    assert response.status_code == 201, response.content
    job = Job.objects.get(uuid=response.json()["uuid"])
    assert job.input_file.endswith(".png") and job.request_body["config"]["fps"] == 12


def test_multipart_parameters_that_are_not_json_name_the_field(api):
    response = api.post_multipart("/jobs", {**QWEN, "parameters": "{steps: 3"})
    assert response.status_code == 422 and "Parameters is not valid JSON" in fields(response)["parameters"]


def test_the_same_idempotency_key_twice_gives_one_job_one_remote_create_and_says_it_is_a_repeat(
        api, console_on_sandbox):
    first = api.post("/jobs", QWEN, headers={"Idempotency-Key": "render-42"})
    again = api.post("/jobs", QWEN, headers={"Idempotency-Key": "render-42"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert first.json()["uuid"] == again.json()["uuid"] and Job.objects.count() == 1
    assert console_on_sandbox.calls().get("POST /v1/generation") == 1


def test_an_idempotency_key_longer_than_64_characters_is_refused(api):
    response = api.post("/jobs", QWEN, headers={"Idempotency-Key": "k" * 65})
    assert response.status_code == 422 and "Idempotency-Key" in fields(response)
    assert not Job.objects.exists()


def test_an_idempotency_key_used_in_another_workspace_is_a_conflict_not_that_workspaces_job(api, owner, studio):
    assert api.post("/jobs", QWEN, headers={"Idempotency-Key": "shared"}).status_code == 201
    response = api_as(owner, studio).post("/jobs", QWEN, headers={"Idempotency-Key": "shared"})
    assert response.status_code == 409 and "another workspace" in problem(response)["detail"]
    assert str(Job.objects.get().uuid) not in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite's in-memory test database refuses a second "
                                                            "writer at once instead of waiting: PostgreSQL")
def test_two_identical_requests_at_once_make_one_job_and_one_remote_create(owner, console_on_sandbox):
    clients = [api_as(owner), api_as(owner)]
    start = threading.Barrier(2)
    statuses, errors = [], []

    def send(client):
        try:
            start.wait()
            statuses.append(client.post("/jobs", QWEN, headers={"Idempotency-Key": "at-once"}).status_code)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == [] and sorted(statuses) == [200, 201]
    assert Job.objects.count() == 1
    assert console_on_sandbox.calls().get("POST /v1/generation") == 1


def test_a_member_at_the_monthly_limit_gets_429_with_retry_after_and_nothing_is_sent(owner, other, studio,
                                                                                    console_on_sandbox):
    join(studio, other, Role.MEMBER)
    set_limits(studio.memberships.get(user=other), jobs=0, credits=None, actor=owner)

    response = api_as(other, studio).post("/jobs", QWEN)

    assert response.status_code == 429 and "limit of 0 jobs this month" in problem(response)["detail"]
    assert response["Retry-After"].endswith("GMT")
    assert not Job.objects.exists() and not console_on_sandbox.calls()


def test_a_viewers_key_and_a_read_key_cannot_create(owner, other, studio, read_api):
    join(studio, other, Role.VIEWER)
    as_viewer = api_as(other, studio).post("/jobs", QWEN)
    assert as_viewer.status_code == 403 and "member role" in problem(as_viewer)["detail"]
    assert read_api.post("/jobs", QWEN).status_code == 403
    assert not Job.objects.exists()


# --- GET /jobs -------------------------------------------------------------------------------------------------


def test_the_list_pages_newest_first_with_a_cursor(api, owner):
    for n in range(5):
        new_job(owner, prompt=f"job {n}")

    first = api.get("/jobs", {"limit": 2}).json()
    second = api.get("/jobs", {"limit": 2, "cursor": first["next_cursor"]}).json()
    last = api.get("/jobs", {"limit": 2, "cursor": second["next_cursor"]}).json()

    prompts = [job["prompt"] for page in (first, second, last) for job in page["items"]]
    assert prompts == ["job 4", "job 3", "job 2", "job 1", "job 0"]
    assert last["next_cursor"] is None


def test_the_list_filters_by_state_model_and_prompt_text(api, owner):
    barn = wait_until_final(new_job(owner, prompt="a red barn"))
    new_job(owner, key="hkchengrex/MMAudio", prompt="rain on a tin roof")
    Job.objects.filter(model_key="hkchengrex/MMAudio").update(state=JobState.RUNNING)

    def prompts(**query):
        return [job["prompt"] for job in api.get("/jobs", query).json()["items"]]

    assert prompts(model="hkchengrex/MMAudio") == ["rain on a tin roof"]
    assert prompts(q="barn") == ["a red barn"]
    assert prompts(state="active") == ["rain on a tin roof"]
    assert prompts(state="succeeded") == [barn.prompt]


def test_bad_filters_a_bad_cursor_and_a_bad_limit_name_their_field(api):
    for query, field in [({"state": "done"}, "state"), ({"model": "nope"}, "model"), ({"cursor": "x"}, "cursor"),
                         ({"limit": 0}, "limit"), ({"limit": 101}, "limit")]:
        response = api.get("/jobs", query)
        assert response.status_code == 422 and field in fields(response), query


def test_the_list_holds_only_the_keys_workspace(owner, studio):
    team_job(studio, owner, prompt="the studio's job")
    new_job(owner, prompt="alice's own job")
    items = api_as(owner, studio).get("/jobs").json()["items"]
    assert [job["prompt"] for job in items] == ["the studio's job"]


def test_a_full_page_costs_a_bounded_number_of_queries(api, owner, django_assert_max_num_queries):
    for n in range(3):
        wait_until_final(new_job(owner, prompt=f"finished {n}"))
    for n in range(30):
        new_job(owner, prompt=f"job {n}")
    with django_assert_max_num_queries(8):
        page = api.get("/jobs", {"limit": 100}).json()
    assert len(page["items"]) == 33 and all(job["outputs"] for job in page["items"][-3:])


# --- GET /jobs/{uuid} ------------------------------------------------------------------------------------------


def test_a_finished_job_shows_its_state_timeline_and_outputs(api, owner):
    job = wait_until_final(new_job(owner))

    body = api.get(f"/jobs/{job.uuid}").json()

    assert (body["state"], body["state_label"], body["progress_percent"]) == ("succeeded", "Succeeded", 100)
    states = [event["to_state"] for event in body["timeline"]]  # "running" only if a sync saw it running
    assert states[:3] == ["pending", "submitting", "queued"] and states[-1] == "succeeded"
    assert body["updated_at"] == body["timeline"][-1]["at"]
    [output] = body["outputs"]
    assert output["kind"] == "image" and output["archive_state"] == "archived" and len(output["sha256"]) == 64
    assert output["file_url"] == f"/api/v1/outputs/{output['uuid']}/file"
    assert body["finished_at"] and body["error"] == "" and body["submitted_by"] == "alice"


def test_a_failed_job_shows_the_providers_message_and_never_the_token(api, owner, console_on_sandbox):
    account = bad_token_account(owner, "netmind", console_on_sandbox)
    created = api.post("/jobs", {**QWEN, "account": str(account.uuid)}).json()
    job = wait_until_final(Job.objects.get(uuid=created["uuid"]))

    response = api.get(f"/jobs/{job.uuid}")

    assert response.json()["error"] == "NetMind rejected the token — update it in Settings."
    assert "not-the-sandbox-token" not in response.content.decode()


def test_reading_an_active_job_asks_the_provider_for_news(api, owner, console_on_sandbox):
    job = new_job(owner)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, last_synced_at=timezone.now() - timedelta(minutes=1))
    console_on_sandbox.reset()

    api.get(f"/jobs/{job.uuid}")

    assert console_on_sandbox.calls().get("GET /v1/generation/{id}") == 1


def test_a_job_of_another_workspace_is_404_even_to_a_member_there(owner, studio, api, console_on_sandbox):
    job = team_job(studio, owner)
    console_on_sandbox.reset()
    for response in (api.get(f"/jobs/{job.uuid}"), api.delete(f"/jobs/{job.uuid}")):
        assert response.status_code == 404 and problem(response)
    assert Job.objects.filter(pk=job.pk).exists() and not console_on_sandbox.calls()


# --- DELETE /jobs/{uuid} ---------------------------------------------------------------------------------------


def test_deleting_a_job_removes_it_here_and_at_the_provider(api, owner, console_on_sandbox):
    job = wait_until_final(new_job(owner))

    response = api.delete(f"/jobs/{job.uuid}")

    assert response.status_code == 200 and response.json() == {"uuid": str(job.uuid), "note": ""}
    assert not Job.objects.filter(pk=job.pk).exists()
    assert console_on_sandbox.calls().get("DELETE /v1/generation/{id}") == 1


def test_a_member_deletes_their_own_jobs_and_an_admin_anyones(owner, other, admin, studio):
    join(studio, other, Role.MEMBER)
    join(studio, admin, Role.ADMIN)
    alices = team_job(studio, owner)

    refused = api_as(other, studio).delete(f"/jobs/{alices.uuid}")
    assert refused.status_code == 403 and "admin role" in problem(refused)["detail"]
    assert api_as(admin, studio).delete(f"/jobs/{alices.uuid}").status_code == 200
    assert not Job.objects.filter(pk=alices.pk).exists()
    assert AuditEntry.objects.filter(action="job.deleted", actor=admin).exists()


def test_a_viewers_key_and_a_read_key_cannot_delete(owner, other, studio):
    join(studio, other, Role.VIEWER)
    job = team_job(studio, owner)
    assert api_as(other, studio).delete(f"/jobs/{job.uuid}").status_code == 403
    assert api_as(owner, studio, scope="read").delete(f"/jobs/{job.uuid}").status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()
