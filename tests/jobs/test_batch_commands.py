"""`manage.py batch` and `manage.py batches`: a CSV made into a started batch from the command line, its refusals
(with the rows' numbers, and nothing created), and the list of batches with their jobs counted by state."""

import json

import pytest
from django.core.management import CommandError, call_command

from jobs.models import Batch, BatchState, Job
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import create_workspace, set_limits
from tests.fixtures.teams import join

MODEL = "apinfer/qwen-image"  # synchronous at the sandbox: a job is final once sent
CREATES = "POST /api/v1/generate-image"


@pytest.fixture
def csv_path(tmp_path):
    def write(content: str | bytes, name="prompts.csv"):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)
    return write


def batch(capsys, user="alice", **options) -> str:
    call_command("batch", user=user, model=options.pop("model", MODEL), **options)
    return capsys.readouterr().out.strip()


def test_batch_starts_a_batch_from_the_csv_and_prints_its_uuid(owner, csv_path, capsys, console_on_sandbox):
    uuid = batch(capsys, file=csv_path("prompt,width,seed\na red fox,512,7\na blue whale,,\n"), seeds=2,
                 param=["height=640"])

    made = Batch.objects.get(uuid=uuid)
    assert made.state == BatchState.RUNNING and made.job_count == 4 and made.owner == owner
    jobs = made.jobs.order_by("batch_row", "seed")
    fox = [job for job in jobs if job.batch_row == 2]
    assert [job.seed for job in fox] == [7, 8] and fox[0].request_body["config"]["width"] == 512
    assert {job.request_body["config"]["height"] for job in jobs} == {640}
    assert [job.request_body["config"]["width"] for job in jobs if job.batch_row == 3] == [1024, 1024]
    assert console_on_sandbox.calls()[CREATES] == 4


def test_refused_rows_are_a_command_error_listing_their_numbers_and_nothing_is_created(owner, csv_path,
                                                                                      console_on_sandbox):
    path = csv_path("prompt,width\na red fox,512\na blue whale,5000\n,512\na green owl,64\n")

    with pytest.raises(CommandError) as refusal:
        call_command("batch", user="alice", model=MODEL, file=path)

    message = str(refusal.value)
    assert message.startswith("Not created: 3 rows refused (fix them, or leave them out with --drop-refused).")
    assert "Row 3: width: Ensure this value is less than or equal to 2048." in message
    assert "Row 4: the prompt is empty." in message
    assert "Row 5: width: Ensure this value is greater than or equal to 256." in message
    assert not Batch.objects.exists() and not Job.objects.exists() and not console_on_sandbox.calls()


def test_drop_refused_starts_the_good_rows_and_says_which_were_left_out(owner, csv_path, capsys, console_on_sandbox):
    call_command("batch", user="alice", model=MODEL, drop_refused=True,
                 file=csv_path("prompt,width\na red fox,512\na blue whale,5000\n"))

    out, err = capsys.readouterr()
    assert Batch.objects.get(uuid=out.strip()).jobs.count() == 1
    assert err.strip() == "Left out: Row 3: width: Ensure this value is less than or equal to 2048."
    assert console_on_sandbox.calls()[CREATES] == 1


def test_what_refuses_the_whole_batch_is_named_and_nothing_is_created(owner, csv_path, tmp_path, console_on_sandbox):
    good = csv_path("prompt\na red fox\n")
    cases = [
        ({"file": str(tmp_path / "missing.csv")}, "--file: cannot read"),
        ({"file": str(tmp_path)}, "--file: cannot read"),
        ({"file": csv_path(b"\xff\xfe\x00binary", "photo.csv")}, "The file is not UTF-8 text"),
        ({"file": csv_path("prompt,steps\na fox,3\n", "steps.csv")}, "the column “steps” is not a parameter"),
        ({"file": csv_path("title\na fox\n", "title.csv")}, "Row 1 must name the columns, one of them “prompt”"),
        ({"file": csv_path("", "empty.csv")}, "--file: The submitted file is empty."),
        ({"file": good, "param": ["steps=3"]}, "--param steps: Apinfer Qwen Image has no such parameter"),
        ({"file": good, "param": ["width"]}, "--param takes NAME=VALUE, not 'width'."),
        ({"file": good, "param": ["width=9000"]}, "--param width: Ensure this value is less than or equal to 2048."),
        ({"file": good, "seeds": 0}, "--seeds: Ensure this value is greater than or equal to 1."),
        ({"file": good, "seeds": 101}, "--seeds: Ensure this value is less than or equal to 100."),
        ({"file": good, "account": "Nope"}, "has no Apinfer account labelled 'Nope'"),
        ({"file": good, "model": "nope"}, "Unknown model 'nope'"),
    ]
    for options, message in cases:
        with pytest.raises(CommandError) as refusal:
            call_command("batch", user="alice", **{"model": MODEL, **options})
        assert message in str(refusal.value), (options, str(refusal.value))
    assert not Batch.objects.exists() and not Job.objects.exists() and not console_on_sandbox.calls()


def test_more_than_ten_thousand_jobs_are_refused(owner, csv_path):
    path = csv_path("prompt\n" + "".join(f"prompt {n}\n" for n in range(5_001)))
    with pytest.raises(CommandError, match="more than 5,000 prompts × 2 seeds: a batch holds at most 10,000 jobs"):
        call_command("batch", user="alice", model=MODEL, file=path, seeds=2)
    assert not Batch.objects.exists()


def test_a_viewer_cannot_make_a_batch_and_a_member_at_the_limit_makes_none(owner, other, studio, csv_path):
    path = csv_path("prompt\na red fox\na blue whale\n")
    join(studio, other, Role.VIEWER)
    with pytest.raises(CommandError, match="bob may not do this: This needs the member role in Studio"):
        call_command("batch", user="bob", workspace="Studio", model=MODEL, file=path)

    membership = studio.memberships.get(user=other)
    membership.role = Role.MEMBER
    membership.save()
    set_limits(membership, jobs=1, credits=None, actor=owner)
    with pytest.raises(CommandError, match="Not created. .*limit of 1 job"):
        call_command("batch", user="bob", workspace="Studio", model=MODEL, file=path)
    assert not Batch.objects.exists() and not Job.objects.exists()


def test_batches_lists_each_batch_with_its_jobs_counted_by_state(owner, csv_path, capsys):
    uuid = batch(capsys, file=csv_path("prompt\na red fox\na kite over the dunes [fail]\n"))

    call_command("batches", user="alice", json=True)
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["uuid"], listed["status"], listed["job_count"]) == (uuid, "Finished", 2)
    assert listed["created_by"] == "alice"
    assert (listed["counts"]["succeeded"], listed["counts"]["failed"], listed["counts"]["pending"]) == (1, 1, 0)

    call_command("batches", user="alice")
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(uuid) and "Finished" in line and line.endswith("1 succeeded, 1 failed")


def test_batches_lists_a_named_workspace_to_its_members_only(owner, other, studio, csv_path, capsys):
    uuid = batch(capsys, workspace="Studio", file=csv_path("prompt\na red fox\n"))
    call_command("batches", user="alice", json=True)
    assert json.loads(capsys.readouterr().out) == []  # alice's personal workspace has none

    join(studio, other, Role.VIEWER)
    call_command("batches", user="bob", workspace="Studio", json=True)
    assert [row["uuid"] for row in json.loads(capsys.readouterr().out)] == [uuid]
    create_workspace("Lab", owner)
    with pytest.raises(CommandError, match="bob is not a member of Lab."):
        call_command("batches", user="bob", workspace="Lab")
