"""Making a batch: rows checked against the model (a refused row, with its number and reason, saves nothing
unless refused rows are dropped), seeds, first frames, the preview's numbers, then Start (once) or Discard."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from jobs import batches, limits
from jobs.batch_input import InputRefused
from jobs.batches import RowsRefused
from jobs.models import Batch, BatchState, Job, JobState
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import set_limits
from tests.fixtures.console import account_of, wait_until_final, with_cap
from tests.fixtures.teams import join
from tests.jobs.batch_helpers import csv_file
from tests.jobs.batching import (  # noqa: F401 (fixtures)
    QWEN,
    draft,
    held_tasks,
    new_job,
    png_upload,
    started,
)
from tests.jobs.team import acme  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

APINFER_IMAGE, HAIPER_IMAGE, WAN = "apinfer/qwen-image", "haiper/text2image", "apinfer/wan2.2"


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def nothing_created():
    return Batch.objects.count() == 0 and Job.objects.count() == 0 and stored_files() == []


def refused_rows(user, key=QWEN, **form) -> list[dict]:
    with pytest.raises(RowsRefused) as refused:
        draft(user, key, **form)
    return refused.value.refused


def seeds_of(batch) -> dict[int, list[int]]:
    """Each row's seeds, as its jobs were saved."""
    seeds = {}
    for row, seed in batch.jobs.order_by("batch_row", "id").values_list("batch_row", "seed"):
        seeds.setdefault(row, []).append(seed)
    return seeds


# -- what the issue lists: refused with the row numbers, nothing created --------------------------------------

@pytest.mark.parametrize("csv, message", [
    ("prompt,colour\na kite,red\n", "Row 1: the column “colour” is not a parameter of this model; its columns: "
                                   "prompt, width, height, negative_prompt, seed."),
    ("prompt\nun café\n".encode("latin-1"),
     "The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”."),
    ("prompt\n" + "a kite\n" * 20_000, "The input has more than 10,000 prompts: a batch holds at most 10,000 jobs. "
                                       "Split it into several batches."),
], ids=["an unknown parameter", "an unreadable file", "20,000 rows"])
def test_a_csv_that_cannot_be_used_is_refused_saying_why_and_nothing_is_created(owner, csv, message):
    with pytest.raises(InputRefused) as refused:
        draft(owner, APINFER_IMAGE, csv=csv)

    assert str(refused.value) == message
    assert nothing_created()


@pytest.mark.parametrize("csv, refused", [
    ("prompt,width\na kite,512\na heron,4096\n",
     [{"row": 3, "reason": "Row 3: width: Ensure this value is less than or equal to 2048."}]),
    ("prompt,width\na kite,512\n,512\n\n  ,1024\n", [{"row": 3, "reason": "Row 3: the prompt is empty."},
                                                {"row": 5, "reason": "Row 5: the prompt is empty."}]),
], ids=["an out-of-range value", "a missing prompt"])
def test_a_csv_with_a_bad_row_is_refused_with_its_number_and_nothing_is_created(owner, csv, refused):
    assert refused_rows(owner, APINFER_IMAGE, csv=csv) == refused
    assert nothing_created()


def test_every_bad_row_is_listed_with_each_column_that_is_wrong(owner):
    csv = ("prompt,width,height,seed\n"
           "fine,512,512,1\n"
           "a text seed,512,512,lucky\n"
           "too small and negative,100,512,-3\n"
           "a word for a number,wide,512,\n")

    assert refused_rows(owner, APINFER_IMAGE, csv=csv) == [
        {"row": 3, "reason": "Row 3: seed: Enter a whole number."},
        {"row": 4, "reason": "Row 4: width: Ensure this value is greater than or equal to 256.; "
                             "seed: Ensure this value is greater than or equal to 0."},
        {"row": 5, "reason": "Row 5: width: Enter a whole number."},
    ]
    assert nothing_created()


def test_a_choice_a_checkbox_and_a_long_prompt_are_checked_as_the_form_checks_them(owner):
    csv = ("prompt,image_size,enable_safety_checker\n"
           "a kite,enormous,yes\n"
           "a heron,square_hd,maybe\n"
           f"{'a very long prompt ' * 300},square_hd,no\n")

    assert refused_rows(owner, csv=csv) == [
        {"row": 2, "reason": "Row 2: image_size: Select a valid choice. enormous is not one of the available "
                             "choices."},
        {"row": 3, "reason": "Row 3: enable_safety_checker: Enter yes or no (or true or false)."},
        {"row": 4, "reason": "Row 4: the prompt is longer than 4000 characters."},
    ]


def test_a_reason_quoting_a_huge_cell_is_shortened(owner):
    [refused] = refused_rows(owner, csv=f"prompt,image_size\na kite,{'x' * 3000}\n")

    assert refused["row"] == 2 and refused["reason"].startswith("Row 2: image_size: Select a valid choice. xxx")
    assert len(refused["reason"]) == batches.MAX_REASON_CHARS and refused["reason"].endswith("…")


def test_a_checkbox_column_says_no_with_no_off_false_or_0(owner, held_tasks):
    csv = "prompt,enable_safety_checker\na,no\nb,off\nc,false\nd,0\ne,yes\nf,TRUE\ng,on\nh,1\ni,\n"

    batch = started(owner, csv=csv)

    checks = dict(batch.jobs.values_list("batch_row", "params__enable_safety_checker"))
    assert checks == {2: False, 3: False, 4: False, 5: False, 6: True, 7: True, 8: True, 9: True, 10: True}
    assert Job.objects.get(batch_row=2).request_body["config"]["enable_safety_checker"] is False


def test_dropping_refused_rows_keeps_the_good_ones_and_records_the_dropped(owner, held_tasks):
    csv = "prompt,width\na kite,512\na heron,9999\n\na swan,1024\n,512\n"

    batch = draft(owner, APINFER_IMAGE, csv=csv, seeds=2, drop_refused=True)

    assert batch.dropped_rows == [
        {"row": 3, "reason": "Row 3: width: Ensure this value is less than or equal to 2048."},
        {"row": 6, "reason": "Row 6: the prompt is empty."}]
    assert batch.job_count == 4 and batches.preview(batch).jobs == 4
    assert batches.start(batch, owner)
    assert sorted(batch.jobs.values_list("batch_row", "prompt", "params__width")) == [
        (2, "a kite", 512), (2, "a kite", 512), (5, "a swan", 1024), (5, "a swan", 1024)]


def test_dropping_refused_rows_when_every_row_is_refused_creates_nothing(owner):
    refused = refused_rows(owner, APINFER_IMAGE, csv="prompt,width\n,512\na heron,1\n", drop_refused=True)

    assert [row["row"] for row in refused] == [2, 3]
    assert nothing_created()


def test_a_csv_with_only_a_header_is_refused(owner):
    with pytest.raises(InputRefused, match="The file has a header but no prompts."):
        draft(owner, csv="prompt,num_images\n")
    assert nothing_created()


# -- seeds --------------------------------------------------------------------------------------------------

def test_a_fixed_seed_times_three_gives_each_row_three_consecutive_seeds_and_a_seed_column_its_own(
        owner, held_tasks):
    batch = started(owner, HAIPER_IMAGE, csv="prompt,seed\na kite,7\na heron,\n", seeds=3, seed_mode="fixed",
                    seed=100)

    assert seeds_of(batch) == {2: [7, 8, 9], 3: [100, 101, 102]}
    job = batch.jobs.get(batch_row=2, seed=8)
    assert job.request_body["config"]["settings"]["seed"] == 8
    assert (job.params["seed_mode"], job.params["seed"]) == ("fixed", 8)  # Run again repeats it


def test_random_seeds_are_chosen_once_distinct_and_recorded(owner, held_tasks):
    batch = started(owner, HAIPER_IMAGE, prompts="a kite\na heron", seeds=5)

    seeds = seeds_of(batch)
    assert sorted(seeds) == [1, 2] and all(len(set(row_seeds)) == 5 for row_seeds in seeds.values())
    for job in batch.jobs.all():
        assert job.request_body["config"]["settings"]["seed"] == job.seed == job.params["seed"]


def test_a_model_without_seeds_runs_each_prompt_as_many_times(owner, held_tasks):
    batch = started(owner, prompts="a kite\n\na heron", seeds=3)

    assert seeds_of(batch) == {1: [None] * 3, 3: [None] * 3}
    assert batch.job_count == 6 and batch.jobs.count() == 6


def test_lines_become_jobs_numbered_by_their_line_with_the_forms_values(owner, held_tasks):
    batch = started(owner, prompts="a kite\n\na heron at dusk\n", image_size="square_hd", num_images=2)

    jobs = list(batch.jobs.order_by("batch_row"))
    assert [(job.batch_row, job.prompt) for job in jobs] == [(1, "a kite"), (3, "a heron at dusk")]
    assert all(job.params["image_size"] == "square_hd" and job.request_body["config"]["num_images"] == 2
               for job in jobs)
    assert all(job.state == JobState.PENDING and job.owner == owner for job in jobs)


# -- first frames (image to video) ---------------------------------------------------------------------------

def a_gallery_image(user):
    job = wait_until_final(new_job(user, prompt="a first frame"))
    return job.outputs.get()


def test_an_image_column_names_uploaded_files_or_gallery_images_each_copied_once(owner, console_on_sandbox):
    gallery = a_gallery_image(owner)
    csv = ("prompt,image\nthe sea,sea.png\nthe hills,hills.png\nthe sea again,sea.png\n"
           f"from the gallery,{gallery.uuid}\n")

    batch = started(owner, WAN, csv=csv, images=[png_upload("sea.png"), png_upload("hills.png", (80, 40))])

    jobs = {job.batch_row: job for job in batch.jobs.all()}
    assert jobs[2].input_file == jobs[4].input_file != jobs[3].input_file != jobs[5].input_file
    assert all(job.input_file.startswith(f"inputs/batch-{batch.uuid}/") for job in jobs.values())
    assert len(list((Path(settings.MEDIA_ROOT) / f"inputs/batch-{batch.uuid}").iterdir())) == 3
    assert [wait_until_final(job).state for job in jobs.values()] == [JobState.SUCCEEDED] * 4
    assert console_on_sandbox.calls()["POST /api/generate-video"] == 4


def test_an_image_cell_naming_neither_an_upload_nor_a_gallery_image_is_refused(owner, other):
    others_image = a_gallery_image(other)
    csv = (f"prompt,image\nthe sea,sea.png\nthe hills,missing.png\nsomeone else's,{others_image.uuid}\n"
           "no image at all,\n")

    refused = refused_rows(owner, WAN, csv=csv, images=[png_upload("sea.png")])

    assert refused == [
        {"row": 3, "reason": "Row 3: image: “missing.png” is neither an uploaded image nor an image in this gallery."},
        {"row": 4, "reason": f"Row 4: image: “{others_image.uuid}” is neither an uploaded image nor an image in "
                             "this gallery."},
        {"row": 5, "reason": "Row 5: image: name a gallery image (its id) or an uploaded image's file name."}]
    assert not Batch.objects.exists() and not (Path(settings.MEDIA_ROOT) / "inputs").exists()


def test_an_uploaded_file_that_is_not_an_image_is_refused_for_the_rows_naming_it(owner):
    notes = csv_file("not a picture", name="notes.png")

    refused = refused_rows(owner, WAN, csv="prompt,image\nthe sea,notes.png\n", images=[notes])

    assert refused == [{"row": 2, "reason": "Row 2: image: This file is not a readable image."}]


def test_a_gallery_image_whose_file_is_gone_is_refused_not_a_server_error(owner):
    gallery = a_gallery_image(owner)
    (Path(settings.MEDIA_ROOT) / gallery.file).unlink()

    refused = refused_rows(owner, WAN, csv=f"prompt,image\nthe sea,{gallery.uuid}\n")

    assert refused == [{"row": 2,
                        "reason": f"Row 2: image: The gallery image {gallery.uuid} is no longer stored here."}]


def test_rows_without_an_image_use_the_forms_first_frame(owner, held_tasks):
    batch = started(owner, WAN, prompts="the sea\nthe hills", image=png_upload("frame.png"))

    assert len({job.input_file for job in batch.jobs.all()}) == 1 and batch.jobs.count() == 2


# -- start, the member's limit, discard -------------------------------------------------------------------

def test_start_creates_every_job_once_however_often_it_is_clicked(owner, held_tasks):
    batch = draft(owner, prompts="a kite\na heron\na swan", seeds=2)
    assert batch.state == BatchState.DRAFT and not Job.objects.exists()

    assert batches.start(batch, owner) is True
    assert batches.start(batch, owner) is False
    assert batches.start(Batch.objects.get(pk=batch.pk), owner) is False

    batch.refresh_from_db()
    assert batch.state == BatchState.RUNNING and batch.started_at and batch.rows == []
    assert Job.objects.filter(batch=batch).count() == 6
    assert list(batch.events.values_list("action", "actor_name", "note")) == [
        ("created", "alice", "6 jobs previewed"), ("started", "alice", "6 jobs created")]


def test_a_batch_that_would_pass_the_members_monthly_limit_is_refused_whole(acme, owner, other, held_tasks):
    join(acme, other, Role.MEMBER)
    set_limits(acme.memberships.get(user=other), jobs=3, credits=None, actor=owner)
    batch = draft(other, workspace=acme, prompts="a kite\na heron", seeds=2)

    with pytest.raises(limits.MemberLimitReached) as refused:
        batches.start(batch, other)

    assert str(refused.value).startswith("These 4 jobs would pass your limit of 3 jobs this month in Acme: "
                                         "0 used, 3 left; it resets on ")
    assert not Job.objects.exists() and Batch.objects.get().state == BatchState.DRAFT
    assert held_tasks == []


def test_discarding_a_draft_deletes_it_and_its_copied_first_frames(owner):
    batch = draft(owner, WAN, csv="prompt,image\nthe sea,sea.png\n", images=[png_upload("sea.png")])
    assert len(stored_files()) == 1

    assert batches.discard(Batch.objects.defer("rows").get(pk=batch.pk)) is True  # as a list of batches loads it

    assert not Batch.objects.exists() and stored_files() == []


def test_a_started_batch_cannot_be_discarded(owner, held_tasks):
    batch = started(owner, prompts="a kite")

    assert batches.discard(batch) is False
    assert Batch.objects.filter(pk=batch.pk).exists() and batch.jobs.count() == 1


# -- the preview ---------------------------------------------------------------------------------------------

def test_the_preview_counts_jobs_and_estimates_seconds_from_the_accounts_cap(owner):
    with_cap(account_of(owner, "netmind"), 4)
    batch = draft(owner, prompts="\n".join(f"kite {n}" for n in range(5)), seeds=2)

    preview = batches.preview(batch)

    assert preview.jobs == 10
    assert preview.credits is None  # NetMind charges no credits
    assert preview.seconds == 3 * 10  # 10 jobs, 4 at once: 3 rounds of the catalogue's 10 s guess


def test_an_apinfer_preview_estimates_credits_from_this_workspaces_priced_jobs(owner, other):
    assert batches.preview(draft(owner, APINFER_IMAGE, prompts="a kite")).credits is None  # nothing priced yet
    priced = [wait_until_final(new_job(owner, APINFER_IMAGE, prompt=f"priced {n}")) for n in range(2)]
    elsewhere = wait_until_final(new_job(other, APINFER_IMAGE, prompt="another workspace's"))
    Job.objects.filter(pk=elsewhere.pk).update(credit_cost=Decimal("500"))

    preview = batches.preview(draft(owner, APINFER_IMAGE, prompts="a\nb\nc", seeds=2))

    each = sum(job.credit_cost for job in priced) / 2
    assert each > 0 and preview.credits == (each * 6).quantize(Decimal("0.01"))
