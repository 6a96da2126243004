"""POST /batches and the batch operations as a script sees them, against the sandbox over real HTTP: a batch made
from prompts or rows, its dry run, its refusals (row by row, and nothing saved), and Pause, Resume, Cancel and
Retry failed with what each sends."""

import pytest

from jobs import slots
from jobs.models import Batch, BatchState, Job, JobState
from netmind_console.core import queue
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import set_limits
from tests.fixtures.console import account_of, wait_until_final
from tests.fixtures.teams import join
from tests.jobs.test_lifecycle import new_job

from .conftest import api_as, problem
from .test_jobs_api import data_url, fields, png

MODEL = "apinfer/qwen-image"  # synchronous at the sandbox: a job is final once sent
CREATES = "POST /api/v1/generate-image"


def batch_body(prompts=("a red fox", "a blue whale", "a green owl"), **extra) -> dict:
    return {"model": MODEL, "prompts": list(prompts), **extra}


@pytest.fixture
def held(monkeypatch):
    """Tasks are held back (as if no worker ran) until `release()`: started jobs stay pending meanwhile."""

    class Held:
        sending = False

        def release(self):
            self.sending = True

    held = Held()
    monkeypatch.setattr(queue, "after_commit", lambda send: send() if held.sending else None)
    return held


# --- POST /batches ---------------------------------------------------------------------------------------------


def test_prompts_make_a_started_batch_whose_every_job_reaches_the_sandbox(api, owner, console_on_sandbox):
    response = api.post("/batches", batch_body(seeds=2, parameters={"width": 512}))

    assert response.status_code == 201, response.content
    body = response.json()
    batch = Batch.objects.get(uuid=body["uuid"])
    assert (body["state"], body["job_count"], body["seeds_per_row"], body["account_cap"]) == ("running", 6, 2, 4)
    assert body["links"]["self"] == f"/api/v1/batches/{batch.uuid}"
    assert body["account"] == str(account_of(owner, "apinfer").uuid) and body["created_by"] == "alice"
    assert sorted(batch.jobs.values_list("batch_row", flat=True)) == [1, 1, 2, 2, 3, 3]
    assert {job.request_body["config"]["width"] for job in batch.jobs.all()} == {512}
    assert console_on_sandbox.calls()[CREATES] == 6

    read = api.get(f"/batches/{batch.uuid}").json()
    assert (read["status_label"], read["percent"], read["counts"]["succeeded"]) == ("Finished", 100, 6)
    assert [event["action"] for event in read["events"]] == ["created", "started"]


def test_rows_carry_their_own_seed_and_parameters_over_the_shared_ones(api):
    response = api.post("/batches", {"model": MODEL, "parameters": {"width": 512}, "rows": [
        {"prompt": "a red fox", "parameters": {"seed": 7, "width": 640}},
        {"prompt": "a blue whale", "parameters": {"negative_prompt": "boats", "seed": None}},
    ]})

    assert response.status_code == 201, response.content
    jobs = api.get(f"/batches/{response.json()['uuid']}/jobs").json()["items"]
    assert [(job["row"], job["prompt"], job["state"]) for job in jobs] == [
        (1, "a red fox", "succeeded"), (2, "a blue whale", "succeeded")]
    fox, whale = (Job.objects.get(uuid=job["uuid"]) for job in jobs)
    assert jobs[0]["seed"] == 7 and fox.request_body["config"]["width"] == 640
    assert whale.request_body["config"]["width"] == 512 and whale.request_body["config"]["negative_prompt"] == "boats"


def test_a_shared_fixed_seed_counts_up_for_each_run_of_a_prompt(api):
    response = api.post("/batches", batch_body(["a kite"], seeds=3, parameters={"seed": 100}))
    assert response.json()["parameters"]["seed"] == 100
    assert sorted(Job.objects.values_list("seed", flat=True)) == [100, 101, 102]


def test_rows_name_gallery_images_as_first_frames(api, owner, console_on_sandbox):
    frame = wait_until_final(new_job(owner, key=MODEL, prompt="a first frame")).outputs.get()
    response = api.post("/batches", {"model": "apinfer/wan2.2", "rows": [
        {"prompt": "waves", "parameters": {"image": str(frame.uuid)}},
        {"prompt": "wind", "parameters": {"image": str(frame.uuid), "fps": 12}},
    ]})

    assert response.status_code == 201, response.content
    jobs = Batch.objects.get(uuid=response.json()["uuid"]).jobs.order_by("batch_row")
    assert len({job.input_file for job in jobs}) == 1 and jobs[0].input_file.endswith(".png")
    assert jobs[1].request_body["config"]["fps"] == 12


def test_a_dry_run_previews_the_jobs_and_the_dropped_rows_and_leaves_nothing(api, owner, settings,
                                                                            console_on_sandbox):
    response = api.post("/batches", {"model": "apinfer/wan2.2", "image": data_url(png()), "seeds": 2,
                                     "drop_refused": True, "dry_run": True,
                                     "rows": [{"prompt": "waves"}, {"prompt": "wind", "parameters": {"fps": 99}},
                                              {"prompt": "rain"}]})

    assert response.status_code == 200, response.content
    preview = response.json()
    assert (preview["jobs"], preview["credits"]) == (4, None) and preview["seconds"] > 0
    assert preview["dropped_rows"] == [{"row": 2, "reason": "Row 2: fps: Ensure this value is less than or equal "
                                                            "to 60."}]
    assert "Idempotent-Replayed" not in response
    assert not Batch.objects.exists() and not Job.objects.exists() and not console_on_sandbox.calls()
    assert not list((settings.MEDIA_ROOT / "inputs").glob("batch-*/*"))  # the first frame copied for it is gone


def test_a_dry_run_estimates_the_credits_from_what_the_provider_charged_for_the_model(api, owner):
    priced = wait_until_final(new_job(owner, key=MODEL, prompt="a priced fox"))
    assert priced.credit_cost

    preview = api.post("/batches", batch_body(seeds=2, dry_run=True)).json()

    assert (preview["jobs"], preview["credits"]) == (6, float(priced.credit_cost * 6))
    assert Batch.objects.count() == 0 and Job.objects.count() == 1


def test_refused_rows_are_named_by_their_index_with_the_reason_and_nothing_is_created(api, console_on_sandbox):
    response = api.post("/batches", {"model": MODEL, "rows": [
        {"prompt": "a red fox"}, {"prompt": "a blue whale", "parameters": {"width": 5000}}, {"prompt": "  "},
        {"prompt": "a green owl", "parameters": {"height": 64, "seed": -1}}]})

    assert response.status_code == 422
    assert fields(response) == {
        "rows[1]": "Row 2: width: Ensure this value is less than or equal to 2048.",
        "rows[2]": "Row 3: the prompt is empty.",
        "rows[3]": "Row 4: height: Ensure this value is greater than or equal to 256.; "
                   "seed: Ensure this value is greater than or equal to 0.",
    }
    assert not Batch.objects.exists() and not Job.objects.exists() and not console_on_sandbox.calls()


def test_refused_prompts_are_named_prompts_with_their_index(api):
    response = api.post("/batches", batch_body(["a red fox", "x" * 4001]))
    assert response.status_code == 422
    assert fields(response) == {"prompts[1]": "Row 2: the prompt is longer than 4000 characters."}
    assert not Batch.objects.exists()


def test_refused_rows_left_out_start_the_others_and_are_listed(api, console_on_sandbox):
    response = api.post("/batches", {"model": MODEL, "drop_refused": True, "rows": [
        {"prompt": "a red fox"}, {"prompt": "a blue whale", "parameters": {"width": 5000}}]})

    assert response.status_code == 201
    assert [entry["row"] for entry in response.json()["dropped_rows"]] == [2]
    assert console_on_sandbox.calls()[CREATES] == 1


def test_whole_input_refusals_name_the_field_and_save_nothing(api, console_on_sandbox):
    cases = [
        ({"model": "no/such-model", "prompts": ["x"]}, "model", "Unknown model “no/such-model”"),
        ({"model": MODEL}, "prompts", "one of the two"),
        ({**batch_body(), "rows": [{"prompt": "x"}]}, "prompts", "one of the two"),
        (batch_body([]), "prompts", "Enter at least one prompt."),
        (batch_body(["", " "]), "prompts", "Enter at least one prompt."),
        (batch_body(parameters={"width": "wide"}), "parameters.width", "Must be of type integer."),
        (batch_body(parameters={"steps": 3}), "parameters.steps", "has no parameter “steps”"),
        (batch_body(parameters={"width": 5000}), "parameters.width", "less than or equal to 2048"),
        (batch_body(seeds=0), "seeds", "greater than or equal to 1"),
        (batch_body(seeds=101), "seeds", "less than or equal to 100"),
        ({"model": MODEL, "rows": [{"parameters": {}}]}, "rows[0].prompt", "Field required"),
        ({"model": MODEL, "rows": [{"prompt": "x", "parameters": {"steps": 3}}]}, "rows[0].parameters.steps",
         "takes no “steps” per row; a row's parameters: width, height, negative_prompt, seed."),
        ({"model": MODEL, "rows": [{"prompt": "x", "parameters": {"seed": "7"}}]}, "rows[0].parameters.seed",
         "Must be of type integer or null."),
        ({"model": "apinfer/wan2.2", "rows": [{"prompt": "x", "parameters": {"image": 5}}]},
         "rows[0].parameters.image", "Must be of type string"),
        ({"model": "apinfer/wan2.2", "prompts": ["x"], "image": "not a data url"}, "image", "data URL"),
        ({**batch_body(), "account": "0c6a7e36-5a67-4a4c-9a55-2b1c8e0f0000"}, "account", "Select a valid choice"),
        ({**batch_body(), "name": "extra"}, "name", "Extra inputs are not permitted"),
    ]
    for body, field, message in cases:
        response = api.post("/batches", body)
        assert response.status_code == 422, (body, response.content)
        assert message in fields(response).get(field, ""), (field, problem(response))
    assert not Batch.objects.exists() and not Job.objects.exists() and not console_on_sandbox.calls()


def test_a_row_naming_no_image_of_the_gallery_is_refused_with_its_row(api):
    response = api.post("/batches", {"model": "apinfer/wan2.2", "rows": [
        {"prompt": "waves", "parameters": {"image": "0c6a7e36-5a67-4a4c-9a55-2b1c8e0f0000"}}, {"prompt": "wind"}]})
    assert response.status_code == 422
    refused = fields(response)
    assert refused["rows[0]"].startswith("Row 1: image: “0c6a7e36-5a67-4a4c-9a55-2b1c8e0f0000” is neither an "
                                         "uploaded image nor an image in this gallery.")
    assert refused["rows[1]"] == "Row 2: image: name a gallery image (its id) or an uploaded image's file name."
    assert not Batch.objects.exists()


def test_more_than_ten_thousand_jobs_are_refused_and_nothing_is_created(api, console_on_sandbox):
    too_many = api.post("/batches", batch_body([f"prompt {n}" for n in range(10_001)]))
    assert too_many.status_code == 422
    assert fields(too_many) == {"prompts": "The input has 10,001 prompts: a batch holds at most 10,000 jobs. Split "
                                           "it into several batches."}
    with_seeds = api.post("/batches", {"model": MODEL, "seeds": 2,
                                       "rows": [{"prompt": f"prompt {n}"} for n in range(5_001)]})
    assert with_seeds.status_code == 422 and "5,001 prompts × 2 seeds" in fields(with_seeds)["rows"]
    assert not Batch.objects.exists() and not Job.objects.exists() and not console_on_sandbox.calls()


def test_a_body_that_is_not_json_is_refused_with_415(api):
    response = api.post_multipart("/batches", {"model": MODEL, "prompts": "a fox"})
    assert response.status_code == 415 and "application/json" in problem(response)["detail"]


def test_the_same_idempotency_key_twice_makes_one_batch_and_sends_each_job_once(api, console_on_sandbox):
    first = api.post("/batches", batch_body(), headers={"Idempotency-Key": "catalogue-7"})
    again = api.post("/batches", batch_body(), headers={"Idempotency-Key": "catalogue-7"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert first.json()["uuid"] == again.json()["uuid"] and Batch.objects.count() == 1
    assert console_on_sandbox.calls()[CREATES] == 3


def test_an_idempotency_key_used_in_another_workspace_is_a_conflict(api, owner, studio):
    assert api.post("/batches", batch_body(), headers={"Idempotency-Key": "shared"}).status_code == 201
    response = api_as(owner, studio).post("/batches", batch_body(), headers={"Idempotency-Key": "shared"})
    assert response.status_code == 409 and "another workspace" in problem(response)["detail"]
    assert Batch.objects.count() == 1


def test_a_member_at_the_monthly_limit_gets_429_and_nothing_is_created(owner, other, studio, console_on_sandbox):
    join(studio, other, Role.MEMBER)
    set_limits(studio.memberships.get(user=other), jobs=2, credits=None, actor=owner)

    response = api_as(other, studio).post("/batches", batch_body())

    assert response.status_code == 429 and "limit of 2 jobs this month" in problem(response)["detail"]
    assert response["Retry-After"].endswith("GMT")
    assert not Batch.objects.exists() and not Job.objects.exists() and not console_on_sandbox.calls()


def test_a_viewers_key_and_a_read_key_cannot_make_a_batch(owner, other, studio, read_api):
    join(studio, other, Role.VIEWER)
    as_viewer = api_as(other, studio).post("/batches", batch_body())
    assert as_viewer.status_code == 403 and "member role" in problem(as_viewer)["detail"]
    as_reader = read_api.post("/batches", batch_body())
    assert as_reader.status_code == 403 and "can only read" in problem(as_reader)["detail"]
    assert not Batch.objects.exists()


# --- reading -----------------------------------------------------------------------------------------------------


def test_the_list_pages_newest_first_with_counts_by_state(api):
    for name in ("first", "second", "third"):
        api.post("/batches", batch_body([name]))

    first = api.get("/batches", {"limit": 2}).json()
    last = api.get("/batches", {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [item["name"] for item in first["items"] + last["items"]] == ["third", "second", "first"]
    assert last["next_cursor"] is None and first["items"][0]["counts"]["succeeded"] == 1


def test_a_batchs_jobs_page_in_row_order(api):
    uuid = api.post("/batches", batch_body([f"prompt {n}" for n in range(1, 6)])).json()["uuid"]

    pages, cursor = [], None
    while True:
        page = api.get(f"/batches/{uuid}/jobs", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        pages.append([job["row"] for job in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == [[1, 2], [3, 4], [5]]
    bad = api.get(f"/batches/{uuid}/jobs", {"cursor": "2026-01-01"})
    assert bad.status_code == 422 and "cursor" in fields(bad)


def test_another_workspaces_batch_is_404_even_to_a_member_there(api, owner, studio, console_on_sandbox):
    studio_batch = api_as(owner, studio).post("/batches", batch_body()).json()["uuid"]
    for response in (api.get(f"/batches/{studio_batch}"), api.get(f"/batches/{studio_batch}/jobs"),
                     api.post(f"/batches/{studio_batch}/cancel")):
        assert response.status_code == 404 and problem(response)
    assert studio_batch not in api.get("/batches").content.decode()


# --- the controls ------------------------------------------------------------------------------------------------


def test_a_paused_batch_sends_nothing_until_it_is_resumed(api, owner, held, console_on_sandbox):
    uuid = api.post("/batches", batch_body()).json()["uuid"]
    paused = api.post(f"/batches/{uuid}/pause")
    assert paused.status_code == 200 and (paused.json()["state"], paused.json()["changed_jobs"]) == ("paused", 0)

    held.release()
    slots.fill(account_of(owner, "apinfer").pk)  # what the sweep does: a paused batch's jobs are not offered
    assert not console_on_sandbox.calls() and api.get(f"/batches/{uuid}").json()["waiting"] == 3

    resumed = api.post(f"/batches/{uuid}/resume")
    assert resumed.status_code == 200 and resumed.json()["state"] == "running"
    assert console_on_sandbox.calls()[CREATES] == 3
    assert api.get(f"/batches/{uuid}").json()["status_label"] == "Finished"


def test_cancel_cancels_what_was_not_sent_and_nothing_reaches_the_sandbox(api, held, console_on_sandbox):
    uuid = api.post("/batches", batch_body()).json()["uuid"]

    cancelled = api.post(f"/batches/{uuid}/cancel").json()

    assert (cancelled["changed_jobs"], cancelled["status_label"], cancelled["counts"]["cancelled"]) == (
        3, "Cancelled", 3)
    held.release()
    assert api.post(f"/batches/{uuid}/resume").status_code == 409
    assert not console_on_sandbox.calls()


def test_retry_failed_sends_only_the_failed_jobs_again_as_the_same_jobs(api, console_on_sandbox):
    uuid = api.post("/batches", batch_body(["a red fox", "a kite over the dunes [fail]"])).json()["uuid"]
    before = api.get(f"/batches/{uuid}").json()["counts"]
    assert (before["succeeded"], before["failed"]) == (1, 1)

    retried = api.post(f"/batches/{uuid}/retry-failed").json()

    assert retried["changed_jobs"] == 1 and retried["events"][-1]["action"] == "retried"
    assert console_on_sandbox.calls()[CREATES] == 3
    assert Job.objects.count() == 2 and Job.objects.get(batch_row=2).events.filter(to_state="pending").count() == 2


def test_an_action_that_does_not_apply_now_is_a_409_saying_why(api, held):
    uuid = api.post("/batches", batch_body()).json()["uuid"]
    response = api.post(f"/batches/{uuid}/resume")
    assert response.status_code == 409
    assert problem(response)["detail"] == "The batch is running: it cannot be resumed now."
    assert Batch.objects.get().state == BatchState.RUNNING


def test_a_member_controls_their_own_batch_and_a_teammates_needs_an_admin(owner, other, admin, studio, held):
    join(studio, other, Role.MEMBER)
    join(studio, admin, Role.ADMIN)
    uuid = api_as(owner, studio).post("/batches", batch_body()).json()["uuid"]

    refused = api_as(other, studio).post(f"/batches/{uuid}/pause")
    assert refused.status_code == 403 and "admin role" in problem(refused)["detail"]
    assert Batch.objects.get().state == BatchState.RUNNING
    assert api_as(admin, studio).post(f"/batches/{uuid}/pause").json()["state"] == "paused"
    assert Batch.objects.get().events.last().actor_name == "root"


def test_a_viewer_reads_a_batch_and_its_jobs_but_no_control(owner, other, studio, held):
    join(studio, other, Role.VIEWER)
    uuid = api_as(owner, studio).post("/batches", batch_body()).json()["uuid"]
    viewer = api_as(other, studio)

    assert viewer.get(f"/batches/{uuid}").json()["waiting"] == 3
    assert len(viewer.get(f"/batches/{uuid}/jobs").json()["items"]) == 3
    assert {viewer.post(f"/batches/{uuid}/{action}").status_code
            for action in ("pause", "resume", "cancel", "retry-failed")} == {403}
    assert set(Job.objects.values_list("state", flat=True)) == {JobState.PENDING}
