"""New workspace, rename, delete (owners), and the webhook (admins)."""

import pytest

from endpoints.models import Endpoint
from netmind_console.workspaces.models import AuditEntry, Membership, Workspace
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.teams import client_in, join

pytestmark = pytest.mark.django_db


def test_anyone_signed_in_creates_a_workspace_they_own_and_work_in(other, other_client):
    response = other_client.post("/workspaces/new/", {"name": "Night shift"})

    workspace = Workspace.objects.get(name="Night shift")
    assert response.status_code == 302
    assert Membership.objects.get(workspace=workspace, user=other).role == Role.OWNER
    assert "Night shift</summary>" in other_client.get("/").content.decode()


def test_a_taken_name_is_refused(studio, other_client):
    response = other_client.post("/workspaces/new/", {"name": "Studio"})

    assert response.status_code == 400 and "exists already" in response.content.decode()
    assert Workspace.objects.filter(name="Studio").count() == 1


def test_an_owner_renames_the_workspace(studio, studio_client):
    assert studio_client.post(f"/workspaces/{studio.uuid}/rename/", {"name": "Studio North"}).status_code == 302

    assert Workspace.objects.get(pk=studio.pk).name == "Studio North"
    assert AuditEntry.objects.filter(action="workspace.renamed", before={"name": "Studio"}).exists()


def test_an_admin_sees_the_webhook_but_cannot_rename_or_delete(studio, other):
    join(studio, other, Role.ADMIN)
    client = client_in(studio, other)

    page = client.get("/workspaces/settings/").content.decode()

    assert "Save webhook" in page and studio.webhook_secret in page
    assert "Rename" not in page and "Delete Studio" not in page
    assert client.post(f"/workspaces/{studio.uuid}/rename/", {"name": "Mine"}).status_code == 403
    assert client.post(f"/workspaces/{studio.uuid}/delete/", {"name": "Studio"}).status_code == 403
    assert Workspace.objects.get(pk=studio.pk).name == "Studio"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER])
def test_members_and_viewers_neither_see_nor_set_the_webhook(studio, other, role):
    join(studio, other, role)
    client = client_in(studio, other)

    assert client.get("/workspaces/settings/").status_code == 403
    assert studio.webhook_secret not in client.get("/settings/").content.decode()
    response = client.post(f"/workspaces/{studio.uuid}/webhook/", {"webhook_url": "https://example.com/hook"})
    assert response.status_code == 403
    assert Workspace.objects.get(pk=studio.pk).webhook_url == ""


def test_an_admin_sets_the_webhook_and_it_is_audited(studio, studio_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.test:8443"]

    response = studio_client.post(f"/workspaces/{studio.uuid}/webhook/", {"webhook_url": "http://hooks.test:8443/x"})

    assert response.status_code == 302
    assert Workspace.objects.get(pk=studio.pk).webhook_url == "http://hooks.test:8443/x"
    assert AuditEntry.objects.filter(action="workspace.webhook_changed", after={"url": "http://hooks.test:8443/x"}).exists()


def test_a_plain_http_webhook_is_refused_with_its_reason(studio, studio_client):
    response = studio_client.post(f"/workspaces/{studio.uuid}/webhook/", {"webhook_url": "http://example.com/hook"})

    assert response.status_code == 400 and "Use an https:// URL" in response.content.decode()
    assert Workspace.objects.get(pk=studio.pk).webhook_url == ""


def test_deleting_asks_for_the_name_typed(studio, studio_client):
    confirm = studio_client.get(f"/workspaces/{studio.uuid}/delete/").content.decode()
    wrong = studio_client.post(f"/workspaces/{studio.uuid}/delete/", {"name": "studio"})

    assert "Type the workspace" in confirm
    assert wrong.status_code == 400 and "Type “Studio” exactly" in wrong.content.decode()
    assert Workspace.objects.filter(pk=studio.pk).exists()

    assert studio_client.post(f"/workspaces/{studio.uuid}/delete/", {"name": "Studio"}).status_code == 302
    assert not Workspace.objects.filter(pk=studio.pk).exists()
    assert AuditEntry.objects.filter(action="workspace.deleted", workspace_name="Studio", workspace=None).exists()


def test_a_personal_workspace_cannot_be_deleted(owner, owner_client):
    mine = personal_workspace(owner)

    response = owner_client.post(f"/workspaces/{mine.uuid}/delete/", {"name": mine.name})

    assert response.status_code == 400 and "A personal workspace cannot be deleted" in response.content.decode()
    assert Workspace.objects.filter(pk=mine.pk).exists()


def test_a_workspace_with_an_endpoint_is_not_deleted(studio, studio_client, owner):
    Endpoint.objects.create(owner=owner, workspace=studio, name="echo", status="stopped")

    response = studio_client.post(f"/workspaces/{studio.uuid}/delete/", {"name": "Studio"})

    assert response.status_code == 400 and "still has endpoints" in response.content.decode()
    assert Workspace.objects.filter(pk=studio.pk).exists()
