"""Jobs in a team workspace: what each role sees and may do, who is audited, and forged values refused."""

import html
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from jobs.models import Job, Output
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.console import wait_until_final
from tests.fixtures.teams import client_in, join
from tests.jobs.team import acme, form_data, team_account, team_job  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_viewer_sees_a_teammates_job_but_no_run_again_or_delete(acme, owner, other):
    join(acme, other, Role.VIEWER)
    job = wait_until_final(team_job(acme, owner, prompt="a harbour seen by the team"))
    viewer = client_in(acme, other)

    listed = viewer.get(reverse("jobs:list")).content.decode()
    page = viewer.get(reverse("jobs:detail", args=[job.uuid])).content.decode()

    assert "a harbour seen by the team" in listed and "by alice" in listed and "New job" not in listed
    assert "a harbour seen by the team" in page and "<dd>alice</dd>" in page
    assert "Run again" not in page and reverse("jobs:delete", args=[job.uuid]) not in page
    assert f"/jobs/media/{job.outputs.get().uuid}/" in page  # viewers download outputs
    gallery = viewer.get(reverse("jobs:gallery")).content.decode()
    assert "Download ZIP" in gallery and f"/jobs/media/{job.outputs.get().uuid}/" in gallery
    assert "star-form" not in gallery and "Delete…" not in gallery and "Use these settings" not in gallery


def test_a_viewer_is_refused_with_403_on_every_state_changing_request_and_nothing_is_sent(
        acme, owner, other, console_on_sandbox):
    join(acme, other, Role.VIEWER)
    job = wait_until_final(team_job(acme, owner))
    output = job.outputs.get()
    viewer = client_in(acme, other)
    console_on_sandbox.reset()

    refused = [
        viewer.post(reverse("jobs:delete", args=[job.uuid])),
        viewer.post(reverse("jobs:favourite", args=[output.uuid]), {"favourite": "1"}),
        viewer.post(reverse("jobs:new"), form_data(acme)),
        viewer.post(reverse("jobs:compare"), {"prompt": "x", "models": ["Qwen/Qwen-Image", "apinfer/qwen-image"]}),
        viewer.post(reverse("jobs:bulk"), {"action": "delete", "confirm": "yes", "ids": [output.uuid]}),
        viewer.post(reverse("jobs:import"), {"account": team_account(acme).uuid}),
        viewer.get(reverse("jobs:again", args=[job.uuid])),
    ]

    assert [response.status_code for response in refused] == [403] * len(refused)
    assert list(Job.objects.values_list("pk", flat=True)) == [job.pk]
    output.refresh_from_db()
    assert output.favourite is False and Output.objects.count() == 1
    assert not console_on_sandbox.calls()


def test_a_member_cannot_delete_a_teammates_job_but_an_admin_can_and_the_audit_names_both(
        acme, owner, other, admin, console_on_sandbox):
    join(acme, other, Role.MEMBER)
    join(acme, admin, Role.ADMIN)
    job = wait_until_final(team_job(acme, owner, prompt="alice's barn"))
    member, team_admin = client_in(acme, other), client_in(acme, admin)

    assert "Delete" not in member.get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    assert member.post(reverse("jobs:delete", args=[job.uuid])).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()

    assert "Delete" in team_admin.get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    assert team_admin.post(reverse("jobs:delete", args=[job.uuid])).status_code == 302
    assert not Job.objects.filter(pk=job.pk).exists()
    entry = AuditEntry.objects.get(action="job.deleted")
    assert (entry.actor_name, entry.workspace_name, entry.before["submitted_by"]) == ("root", "Acme", "alice")
    assert str(job.uuid) in entry.target and entry.before["prompt"] == "alice's barn"


def test_a_member_deletes_their_own_job_without_an_audit_row(acme, owner, other):
    join(acme, other, Role.MEMBER)
    job = wait_until_final(team_job(acme, other))
    member = client_in(acme, other)

    assert "Delete" in member.get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    assert member.post(reverse("jobs:delete", args=[job.uuid])).status_code == 302
    assert not Job.objects.exists() and not AuditEntry.objects.filter(action="job.deleted").exists()


def test_deleting_a_teammates_outputs_needs_an_admin_and_writes_a_row_each(acme, owner, other, admin):
    join(acme, other, Role.MEMBER)
    join(acme, admin, Role.ADMIN)
    output = wait_until_final(team_job(acme, owner)).outputs.get()
    bulk = {"action": "delete", "confirm": "yes", "ids": [output.uuid]}

    assert client_in(acme, other).post(reverse("jobs:bulk"), bulk).status_code == 403
    assert Output.objects.filter(pk=output.pk).exists()

    assert client_in(acme, admin).post(reverse("jobs:bulk"), bulk).status_code == 302
    assert not Output.objects.filter(pk=output.pk).exists()
    entry = AuditEntry.objects.get(action="output.deleted")
    assert (entry.actor_name, entry.before["submitted_by"]) == ("root", "alice") and str(output.uuid) in entry.target


def test_a_members_job_goes_into_the_team_and_the_teammates_see_it_with_its_submitter(acme, owner, other):
    join(acme, other, Role.MEMBER)

    response = client_in(acme, other).post(reverse("jobs:new"), form_data(acme, prompt="a kite by bob"))

    job = wait_until_final(Job.objects.get(prompt="a kite by bob"))
    assert response.status_code == 302 and job.workspace == acme and job.owner == other
    assert {output.workspace_id for output in job.outputs.all()} == {acme.pk}
    alices_list = client_in(acme, owner).get(reverse("jobs:list")).content.decode()
    assert "a kite by bob" in alices_list and "by bob" in alices_list


def test_a_forged_account_of_another_workspace_is_refused_and_nothing_is_sent(acme, owner, other, console_on_sandbox):
    join(acme, other, Role.MEMBER)
    console_on_sandbox.reset()

    alices_own_account = personal_workspace(owner).provider_accounts.get(provider="netmind")  # not in Acme

    response = client_in(acme, other).post(reverse("jobs:new"), form_data(acme, account=alices_own_account.pk))

    assert response.status_code == 422
    assert "That choice is not one of the available choices" in response.content.decode()
    assert not Job.objects.exists() and not console_on_sandbox.calls()


def test_an_outsider_gets_404_on_the_teams_job_and_its_comparison(acme, owner, other):
    group = uuid.uuid4()
    job = team_job(acme, owner)
    Job.objects.filter(pk=job.pk).update(compare_group=group)
    outsider = Client()
    outsider.force_login(other)
    assert outsider.post("/workspaces/switch/", {"workspace": str(acme.uuid)}).status_code == 404
    session = outsider.session  # and a session that names it anyway (forged) lets nobody in either
    session["workspace"] = str(acme.uuid)
    session.save()

    assert outsider.get(reverse("jobs:detail", args=[job.uuid])).status_code == 404
    assert outsider.get(reverse("jobs:compare_results", args=[group])).status_code == 404
    assert client_in(acme, owner).get(reverse("jobs:compare_results", args=[group])).status_code == 200
    assert "the team lighthouse" not in outsider.get(reverse("jobs:list")).content.decode()


def test_a_teammates_finished_job_raises_no_toast_for_me(acme, owner, other):
    join(acme, other, Role.MEMBER)
    wait_until_final(team_job(acme, owner))

    assert "toast" not in client_in(acme, other).get(reverse("jobs:finished_toasts")).content.decode()
    assert "toast" in client_in(acme, owner).get(reverse("jobs:finished_toasts")).content.decode()


def test_the_cli_submits_in_a_team_and_lists_a_teammates_job(acme, owner, other, capsys):
    join(acme, other, Role.VIEWER)
    call_command("submit", user="alice", workspace="Acme", model="Qwen/Qwen-Image", prompt="a team barn")
    submitted = capsys.readouterr().out.strip()
    wait_until_final(Job.objects.get(uuid=submitted))

    call_command("jobs", user="bob", workspace="Acme", json=True)

    listed = json.loads(capsys.readouterr().out)
    assert [(row["uuid"], row["submitted_by"], row["state"]) for row in listed] == [(submitted, "alice", "succeeded")]
    call_command("jobs", user="bob", json=True)
    assert json.loads(capsys.readouterr().out) == []  # bob's personal workspace has none


def test_the_cli_refuses_a_viewer_an_outsider_and_an_unknown_workspace(acme, owner, other, admin):
    join(acme, other, Role.VIEWER)

    with pytest.raises(CommandError, match="bob may not do this: This needs the member role in Acme"):
        call_command("submit", user="bob", workspace="Acme", model="Qwen/Qwen-Image", prompt="x")
    with pytest.raises(CommandError, match="root is not a member of Acme"):
        call_command("jobs", user="root", workspace="Acme")
    with pytest.raises(CommandError, match="No workspace named “Nope”"):
        call_command("import_history", user="alice", workspace="Nope")
    assert not Job.objects.exists()


@pytest.mark.parametrize("action", ["delete", "zip"])
def test_a_gallery_selection_naming_another_workspaces_output_is_refused_whole(acme, owner, action):
    in_acme = wait_until_final(team_job(acme, owner)).outputs.get()
    personal = wait_until_final(team_job(personal_workspace(owner), owner)).outputs.get()

    response = client_in(acme, owner).post(reverse("jobs:bulk"), {
        "action": action, "confirm": "yes", "ids": [in_acme.uuid, personal.uuid]})

    assert response.status_code == 400
    assert f"“{personal.uuid}” is not an output of Acme." in html.unescape(response.content.decode())
    assert Output.objects.count() == 2


def test_deleting_a_user_keeps_the_jobs_they_submitted_in_the_team(acme, owner, other):
    join(acme, other, Role.MEMBER)
    job = wait_until_final(team_job(acme, other))
    other.delete()

    job.refresh_from_db()
    assert job.owner is None and job.outputs.get().owner is None
    listing = client_in(acme, owner).get(reverse("jobs:list")).content.decode()
    assert "the team lighthouse" in listing and "by a deleted user" in listing
    assert client_in(acme, owner).post(reverse("jobs:delete", args=[job.uuid])).status_code == 302
    assert AuditEntry.objects.get(action="job.deleted").before["submitted_by"] == "a deleted user"
