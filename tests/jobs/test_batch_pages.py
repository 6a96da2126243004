"""The batch pages against the sandbox: New batch and its refusals, a draft's preview, Start and Discard, a batch's
live progress and its controls, who may do what, and the batch filters of the job list and the gallery."""

import pytest
from django.test import Client

from jobs.models import Batch, BatchState, Job, JobState
from netmind_console.core import queue
from netmind_console.workspaces.models import Membership
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.teams import client_in, join
from tests.jobs.batch_helpers import batch_data, csv_file, draft, started, text_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nothing_sent(monkeypatch):
    """Tasks are never sent: started jobs stay pending, so the controls meet a batch that is still going."""
    monkeypatch.setattr(queue, "after_commit", lambda send: None)


# --- New batch -------------------------------------------------------------------------------------


def test_new_batch_shows_the_csv_columns_the_chosen_model_takes(owner_client):
    page = text_of(owner_client.get("/jobs/batches/new/?model=apinfer/qwen-image"))
    assert "CSV columns for Apinfer Qwen Image" in page
    assert "prompt and any of width, height, negative_prompt, seed." in page
    assert "prompt,width,seed" in page  # the example's header

    swapped = owner_client.get("/jobs/batches/new/?model=hkchengrex/MMAudio", HTTP_HX_REQUEST="true")
    fragment = swapped.content.decode()
    assert 'id="model-form"' in fragment and "<html" not in fragment
    assert "CSV columns for MMAudio" in text_of(swapped) and "× runs" in fragment


def test_a_viewer_cannot_open_new_batch(owner, other):
    join(personal_workspace(owner), other, Role.VIEWER)
    viewer = client_in(personal_workspace(owner), other)
    assert viewer.get("/jobs/batches/new/").status_code == 403


def test_prompts_as_lines_make_a_draft_whose_preview_says_what_start_will_do(owner_client, owner, console_on_sandbox):
    batch = draft(owner_client, owner, prompts="a red fox\n\na blue whale\na green owl", seeds=2)
    page = text_of(owner_client.get(f"/jobs/batches/{batch.uuid}/"))

    assert "Draft" in page and "Jobs 6 (3 prompts × 2 seeds)" in page
    assert "Apinfer reports the cost after the first job." in page
    assert "Estimated duration about" in page
    assert "Start sends 6 jobs to Sandbox, at most 4 at once." in page
    assert "1 a red fox as the form 3 a blue whale" in page  # rows keep their line numbers; line 2 was empty
    assert not Job.objects.exists() and not console_on_sandbox.calls()


def test_a_csv_with_bad_rows_is_refused_with_their_numbers_and_nothing_is_saved(owner_client, owner,
                                                                               console_on_sandbox):
    data = batch_data(personal_workspace(owner), prompts_file=csv_file(
        "prompt,width\na red fox,512\na blue whale,5000\n,512\na green owl,64\n"))
    response = owner_client.post("/jobs/batches/new/", data)
    page = text_of(response)

    assert response.status_code == 422
    assert "3 rows refused. Nothing was saved." in page and "Leave out refused rows" in page
    assert "3 width: Ensure this value is less than or equal to 2048." in page
    assert "4 the prompt is empty." in page
    assert "5 width: Ensure this value is greater than or equal to 256." in page
    assert not Batch.objects.exists() and not console_on_sandbox.calls()


def test_leaving_out_refused_rows_makes_a_draft_that_lists_them(owner_client, owner):
    data = batch_data(personal_workspace(owner), drop_refused="on",
                      prompts_file=csv_file("prompt,width\na red fox,512\na blue whale,5000\n"))
    response = owner_client.post("/jobs/batches/new/", data)
    page = text_of(owner_client.get(response["Location"]))

    assert "Jobs 1 (1 prompt × 1 seed)" in page
    assert "1 row left out" in page and "3 width: Ensure this value is less than or equal to 2048." in page


def test_an_unreadable_file_is_a_form_error_naming_what_is_wrong(owner_client, owner):
    data = batch_data(personal_workspace(owner), prompts_file=csv_file(b"prompt\nna\xefve caf\xe9\n"))
    response = owner_client.post("/jobs/batches/new/", data)
    assert response.status_code == 422
    assert "The file is not UTF-8 text" in text_of(response) and not Batch.objects.exists()


def test_a_column_the_model_does_not_take_refuses_the_whole_file(owner_client, owner):
    data = batch_data(personal_workspace(owner), prompts_file=csv_file("prompt,colour\na red fox,red\n"))
    response = owner_client.post("/jobs/batches/new/", data)
    assert response.status_code == 422
    assert "Row 1: the column “colour” is not a parameter of this model" in text_of(response)


def test_both_lines_and_a_file_or_neither_is_a_form_error(owner_client, owner):
    neither = owner_client.post("/jobs/batches/new/", batch_data(personal_workspace(owner)))
    assert neither.status_code == 422 and "Enter prompts, one per line, or choose a CSV file" in text_of(neither)


# --- a draft: Start and Discard --------------------------------------------------------------------


def test_start_creates_the_jobs_which_run_to_a_finished_batch_with_its_results(owner_client, owner,
                                                                              console_on_sandbox):
    batch = started(owner_client, owner, seeds=2)

    assert batch.state == BatchState.RUNNING and batch.jobs.count() == 6
    assert sorted(batch.jobs.values_list("batch_row", flat=True)) == [1, 1, 2, 2, 3, 3]
    assert console_on_sandbox.calls()["POST /api/v1/generate-image"] == 6
    page = text_of(owner_client.get(f"/jobs/batches/{batch.uuid}/"))
    assert "Finished 6 of 6 finished" in page and "6 succeeded" in page and "0 failed" in page
    assert "Sandbox sends at most 4 at once" in page
    assert page.count("Row 2 · seed") == 2
    assert "Pause" not in page and "Cancel…" not in page
    status = owner_client.get(f"/jobs/batches/{batch.uuid}/status/", HTTP_HX_REQUEST="true")
    assert status.status_code == 286 and "every 2s" not in status.content.decode()


def test_a_second_start_sends_nothing_more(owner_client, owner, console_on_sandbox):
    batch = started(owner_client, owner)
    again = owner_client.post(f"/jobs/batches/{batch.uuid}/start/", follow=True)
    assert "This batch was started already." in text_of(again)
    assert batch.jobs.count() == 3 and console_on_sandbox.calls()["POST /api/v1/generate-image"] == 3


def test_discard_deletes_the_draft_and_sends_nothing(owner_client, owner, console_on_sandbox):
    batch = draft(owner_client, owner)
    response = owner_client.post(f"/jobs/batches/{batch.uuid}/discard/", follow=True)
    assert "discarded: nothing was sent" in text_of(response)
    assert not Batch.objects.exists() and not console_on_sandbox.calls()


def test_a_started_batch_cannot_be_discarded(owner_client, owner, nothing_sent):
    batch = started(owner_client, owner)
    response = owner_client.post(f"/jobs/batches/{batch.uuid}/discard/")
    assert response.status_code == 409 and "only a draft can be discarded" in text_of(response)
    assert batch.jobs.count() == 3


def test_start_past_the_members_monthly_limit_is_refused_with_429_and_creates_nothing(owner, other):
    workspace = personal_workspace(owner)
    join(workspace, other, Role.MEMBER)
    Membership.objects.filter(user=other, workspace=workspace).update(monthly_job_limit=2)
    member = client_in(workspace, other)
    batch = draft(member, other, workspace=workspace)
    response = member.post(f"/jobs/batches/{batch.uuid}/start/")
    assert response.status_code == 429 and "Retry-After" in response
    assert "limit" in text_of(response) and not Job.objects.exists()
    assert Batch.objects.get().state == BatchState.DRAFT


# --- a started batch: live progress and its controls -----------------------------------------------


def test_a_batch_still_going_polls_and_shows_its_waiting_jobs(owner_client, owner, nothing_sent):
    batch = started(owner_client, owner)
    status = owner_client.get(f"/jobs/batches/{batch.uuid}/status/", HTTP_HX_REQUEST="true")
    page = text_of(status)
    assert status.status_code == 200 and 'hx-trigger="every 2s"' in status.content.decode()
    assert "Running 0 of 3 finished" in page and "3 waiting for a slot" in page and "0 in flight" in page
    assert "Results appear here as the jobs finish." in page


def test_pause_and_resume_change_the_batch_and_say_so(owner_client, owner, nothing_sent):
    batch = started(owner_client, owner)
    paused = owner_client.post(f"/jobs/batches/{batch.uuid}/pause/", follow=True)
    assert "Paused: nothing new is sent" in text_of(paused) and "3 waiting to resume" in text_of(paused)
    assert Batch.objects.get().state == BatchState.PAUSED

    resumed = owner_client.post(f"/jobs/batches/{batch.uuid}/resume/", HTTP_HX_REQUEST="true")
    assert resumed.status_code == 200 and 'id="batch-status"' in resumed.content.decode()
    assert "Resumed" in text_of(resumed) and Batch.objects.get().state == BatchState.RUNNING
    assert [event.action for event in batch.events.all()] == ["created", "started", "paused", "resumed"]


def test_an_action_that_does_not_apply_now_says_why_with_409(owner_client, owner, nothing_sent):
    batch = started(owner_client, owner)
    response = owner_client.post(f"/jobs/batches/{batch.uuid}/resume/")
    assert response.status_code == 409
    assert "The batch is running: it cannot be resumed now." in text_of(response)


def test_cancel_asks_first_then_cancels_what_was_not_sent(owner_client, owner, nothing_sent, console_on_sandbox):
    batch = started(owner_client, owner)
    confirm = text_of(owner_client.get(f"/jobs/batches/{batch.uuid}/cancel/"))
    assert "3 jobs not yet sent will be cancelled; the 0 in flight finish" in confirm

    page = text_of(owner_client.post(f"/jobs/batches/{batch.uuid}/cancel/", follow=True))
    assert "Cancelled: 3 jobs not yet sent will not be sent" in page and "3 cancelled" in page
    assert set(batch.jobs.values_list("state", flat=True)) == {JobState.CANCELLED}
    assert not console_on_sandbox.calls()


def test_retry_failed_sends_the_failed_jobs_again(owner_client, owner, console_on_sandbox):
    batch = started(owner_client, owner, prompts="a red fox\na kite over the dunes [fail]")
    page = text_of(owner_client.get(f"/jobs/batches/{batch.uuid}/"))
    assert "1 succeeded" in page and "1 failed" in page and "Retry failed (1)" in page
    assert "Row 2" in page and "[fail]" in page  # the failure, with its row and the provider's reason

    owner_client.post(f"/jobs/batches/{batch.uuid}/retry/")
    assert console_on_sandbox.calls()["POST /api/v1/generate-image"] == 3
    assert batch.events.filter(action="retried").exists()
    assert batch.jobs.filter(batch_row=2).count() == 1  # the same job sent again, not a new one


# --- who may do what -------------------------------------------------------------------------------


def test_a_viewer_sees_and_downloads_a_batch_but_has_no_controls_and_is_refused_them(owner_client, owner, other,
                                                                                      nothing_sent):
    batch = started(owner_client, owner)
    join(personal_workspace(owner), other, Role.VIEWER)
    viewer = client_in(personal_workspace(owner), other)

    page = text_of(viewer.get(f"/jobs/batches/{batch.uuid}/"))
    assert "0 of 3 finished" in page and "Pause" not in page and "Cancel…" not in page
    assert viewer.get(f"/jobs/batches/{batch.uuid}/download/").status_code == 200
    for action in ("pause", "cancel", "retry", "discard", "start"):
        assert viewer.post(f"/jobs/batches/{batch.uuid}/{action}/").status_code == 403, action
    assert Batch.objects.get().state == BatchState.RUNNING


def test_a_member_controls_their_own_batch_and_a_teammates_needs_an_admin(owner_client, owner, other, admin,
                                                                          nothing_sent):
    workspace = personal_workspace(owner)
    batch = started(owner_client, owner)
    join(workspace, other, Role.MEMBER)
    join(workspace, admin, Role.ADMIN)
    member, manager = client_in(workspace, other), client_in(workspace, admin)

    assert "Pause" not in text_of(member.get(f"/jobs/batches/{batch.uuid}/"))
    assert member.post(f"/jobs/batches/{batch.uuid}/pause/").status_code == 403
    assert "Pause" in text_of(manager.get(f"/jobs/batches/{batch.uuid}/"))
    assert manager.post(f"/jobs/batches/{batch.uuid}/pause/").status_code == 302
    assert Batch.objects.get().state == BatchState.PAUSED
    assert batch.events.last().actor_name == "root"


@pytest.mark.parametrize("path", ["", "status/", "download/", "cancel/", "start/", "discard/", "pause/", "resume/",
                                  "retry/"])
def test_another_workspaces_batch_is_a_404(owner_client, owner, other, path, nothing_sent):
    batch = started(owner_client, owner)
    stranger = Client()
    stranger.force_login(other)
    assert stranger.get(f"/jobs/batches/{batch.uuid}/{path}").status_code in (404, 405)
    assert stranger.post(f"/jobs/batches/{batch.uuid}/{path}").status_code in (404, 405)
    assert Batch.objects.get().state == BatchState.RUNNING


# --- the list, and the batch filters elsewhere ----------------------------------------------------


def test_the_batch_list_shows_started_batches_and_only_my_own_drafts(owner_client, owner, other, nothing_sent):
    workspace = personal_workspace(owner)
    started(owner_client, owner, prompts="the running one")
    draft(owner_client, owner, prompts="the draft one")
    join(workspace, other, Role.MEMBER)

    mine = text_of(owner_client.get("/jobs/batches/"))
    assert "the running one" in mine and "0 of 1 finished" in mine and "Running" in mine
    assert "the draft one" in mine and "1 job previewed" in mine and "Draft" in mine
    teammate = text_of(client_in(workspace, other).get("/jobs/batches/"))
    assert "the running one" in teammate and "the draft one" not in teammate and "by alice" not in teammate


def test_the_batch_list_invites_to_make_the_first_batch(owner_client):
    page = text_of(owner_client.get("/jobs/batches/"))
    assert "No batches yet" in page and "New batch" in page


def test_the_job_list_and_the_gallery_filter_by_batch_with_a_chip(owner_client, owner):
    batch = started(owner_client, owner, prompts="a batch fox\na batch owl")
    started(owner_client, owner, prompts="another batch's whale")

    jobs = owner_client.get(f"/jobs/?batch={batch.uuid}&state=succeeded")
    assert "a batch owl" in text_of(jobs) and "whale" not in text_of(jobs)
    assert f"Batch {batch.name}×" in text_of(jobs) and 'class="chip-clear" href="/jobs/?state=succeeded"' in \
        jobs.content.decode()
    gallery = owner_client.get(f"/jobs/gallery/?batch={batch.uuid}").content.decode()
    assert gallery.count('class="gallery-item"') == 2 and "whale" not in gallery
    assert 'href="/jobs/gallery/"' in gallery  # the chip's clear link


def test_a_job_page_links_to_its_batch_row(owner_client, owner):
    batch = started(owner_client, owner, prompts="a batch fox\na batch owl")
    job = batch.jobs.get(batch_row=2)
    page = owner_client.get(f"/jobs/{job.uuid}/").content.decode()
    assert f'Row 2 of batch <a href="/jobs/batches/{batch.uuid}/">a batch fox</a>' in page


def test_a_job_waiting_for_a_slot_says_so_on_its_page(owner_client, owner, nothing_sent):
    batch = started(owner_client, owner)
    job = batch.jobs.first()
    Job.objects.filter(pk=job.pk).update(waiting_reason="Waiting for a slot: Sandbox sends at most 4 at once.")
    assert "Waiting for a slot: Sandbox sends at most 4 at once." in text_of(owner_client.get(f"/jobs/{job.uuid}/"))


def test_a_batchs_jobs_do_not_each_raise_a_finished_toast(owner_client, owner):
    started(owner_client, owner, seeds=2)
    assert "toast" not in owner_client.get("/jobs/finished-toasts/").content.decode()
