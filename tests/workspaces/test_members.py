"""The members page: everyone in the workspace sees who is in it; admins remove and set limits; owners change
roles and hand over ownership; a workspace always keeps an owner."""

from decimal import Decimal

import pytest

from jobs.models import Job
from netmind_console.core import registry
from netmind_console.workspaces.models import AuditEntry, Membership
from netmind_console.workspaces.roles import Role
from tests.fixtures.teams import client_in, join

pytestmark = pytest.mark.django_db


def url(workspace, username, action):
    return f"/workspaces/{workspace.uuid}/members/{username}/{action}/"


def role_of(workspace, user):
    return Membership.objects.get(workspace=workspace, user=user).role


def test_a_viewer_sees_who_is_in_the_workspace_but_no_controls(studio, other):
    join(studio, other, Role.VIEWER)

    page = client_in(studio, other).get("/workspaces/").content.decode()

    assert "alice" in page and "bob" in page and "Owner" in page and "Viewer" in page
    assert "Remove" not in page and "Save limits" not in page and "Change role" not in page


def test_use_this_month_comes_from_the_jobs_app_and_is_a_dash_without_it(studio, studio_client, owner, monkeypatch):
    page = studio_client.get("/workspaces/").content.decode()
    monkeypatch.setattr(registry, "_PAGE_CONTEXT", {"members": [
        lambda request: {"member_usage": {owner.pk: {"jobs": 3, "credits": Decimal("1.50")}}}]})

    assert "—" in page
    assert "3 jobs · 1.50 credits" in studio_client.get("/workspaces/").content.decode()


def test_an_admin_removes_a_member_after_confirming_and_it_is_audited(studio, other, person):
    join(studio, other, Role.ADMIN)
    join(studio, person, Role.MEMBER)
    admin_client = client_in(studio, other)

    confirm = admin_client.get(url(studio, "carol", "remove"))
    assert "Remove carol from Studio?" in confirm.content.decode()
    assert Membership.objects.filter(workspace=studio, user=person).exists()

    assert admin_client.post(url(studio, "carol", "remove")).status_code == 302
    assert not Membership.objects.filter(workspace=studio, user=person).exists()
    entry = AuditEntry.objects.get(action="member.removed")
    assert (entry.actor_name, entry.target, entry.before) == ("bob", "carol", {"role": "member"})


def test_a_removed_member_is_refused_on_their_next_request(studio, studio_client, owner, other):
    join(studio, other, Role.MEMBER)
    job = Job.objects.create(workspace=studio, owner=owner, model_key="Qwen/Qwen-Image", provider="netmind",
                             adapter="generation", prompt="the studio lighthouse")
    bobs = client_in(studio, other)
    assert bobs.get(f"/jobs/{job.uuid}/").status_code == 200

    studio_client.post(url(studio, "bob", "remove"))

    assert bobs.get(f"/jobs/{job.uuid}/").status_code == 404
    assert "the studio lighthouse" not in bobs.get("/jobs/").content.decode()


def test_an_admin_cannot_remove_an_owner(studio, owner, other):
    join(studio, other, Role.ADMIN)

    assert client_in(studio, other).post(url(studio, "alice", "remove")).status_code == 403
    assert role_of(studio, owner) == Role.OWNER


def test_the_last_owner_cannot_be_removed_or_step_down(studio, studio_client, owner):
    removed = studio_client.post(url(studio, "alice", "remove"))
    demoted = studio_client.post(url(studio, "alice", "role"), {"role": "admin"})

    for response in (removed, demoted):
        assert response.status_code == 400
        assert "always keeps at least one owner" in response.content.decode()
    assert role_of(studio, owner) == Role.OWNER


def test_an_owner_changes_a_role_and_it_is_audited(studio, studio_client, other):
    join(studio, other, Role.VIEWER)

    assert studio_client.post(url(studio, "bob", "role"), {"role": "admin"}).status_code == 302

    assert role_of(studio, other) == Role.ADMIN
    entry = AuditEntry.objects.get(action="member.role_changed")
    assert (entry.before, entry.after) == ({"role": "viewer"}, {"role": "admin"})


def test_an_admin_cannot_change_a_role(studio, other, person):
    join(studio, other, Role.ADMIN)
    join(studio, person, Role.VIEWER)

    response = client_in(studio, other).post(url(studio, "carol", "role"), {"role": "admin"})

    assert response.status_code == 403
    assert role_of(studio, person) == Role.VIEWER


def test_a_made_up_role_is_refused(studio, studio_client, other):
    join(studio, other, Role.VIEWER)

    response = studio_client.post(url(studio, "bob", "role"), {"role": "emperor"})

    assert response.status_code == 400 and "Choose one of the roles" in response.content.decode()
    assert role_of(studio, other) == Role.VIEWER


def test_transferring_ownership_makes_the_old_owner_an_admin(studio, studio_client, owner, other):
    join(studio, other, Role.MEMBER)

    assert studio_client.post(url(studio, "bob", "transfer")).status_code == 302

    assert (role_of(studio, other), role_of(studio, owner)) == (Role.OWNER, Role.ADMIN)


def test_an_admin_sets_limits_and_empty_means_none(studio, other, person):
    join(studio, other, Role.ADMIN)
    join(studio, person, Role.MEMBER)
    admin_client = client_in(studio, other)

    admin_client.post(url(studio, "carol", "limits"), {"jobs": "20", "credits": "12.50"})
    membership = Membership.objects.get(workspace=studio, user=person)
    assert (membership.monthly_job_limit, membership.monthly_credit_limit) == (20, Decimal("12.50"))

    admin_client.post(url(studio, "carol", "limits"), {"jobs": "", "credits": ""})
    membership.refresh_from_db()
    assert (membership.monthly_job_limit, membership.monthly_credit_limit) == (None, None)
    entries = AuditEntry.objects.filter(action="member.limits_changed").order_by("at", "id")
    assert [e.after for e in entries] == [{"jobs": 20, "credits": "12.50"}, {"jobs": None, "credits": None}]


def test_a_bad_limit_says_which_and_saves_nothing(studio, studio_client, other):
    join(studio, other, Role.MEMBER)

    response = studio_client.post(url(studio, "bob", "limits"), {"jobs": "-1", "credits": "lots"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "greater than or equal to 0" in page and "Enter a number" in page
    assert Membership.objects.get(workspace=studio, user=other).monthly_job_limit is None


def test_a_member_cannot_set_limits_or_remove_anyone(studio, other, person):
    join(studio, other, Role.MEMBER)
    join(studio, person, Role.MEMBER)
    bobs = client_in(studio, other)

    assert bobs.post(url(studio, "carol", "limits"), {"jobs": "1"}).status_code == 403
    assert bobs.post(url(studio, "carol", "remove")).status_code == 403
    assert Membership.objects.get(workspace=studio, user=person).monthly_job_limit is None


def test_a_non_member_gets_404_for_every_member_action(studio, other_client):
    for action, data in [("remove", {}), ("limits", {"jobs": "1"}), ("role", {"role": "viewer"}), ("transfer", {})]:
        assert other_client.post(url(studio, "alice", action), data).status_code == 404
