"""Provider accounts belong to a workspace: every member sees them masked, admins add, replace and remove them,
each change is audited without the token, and nobody, admins included, ever sees more than its last four."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import save_account
from netmind_console.workspaces import services as workspaces
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from tests.fixtures.teams import client_in, join

pytestmark = pytest.mark.django_db
TOKEN = "nm-live-Zq8XvT3kLp0w9Y"
NEW_TOKEN = "nm-live-Fresh0987654321"


@pytest.fixture
def console_setup(db, settings):
    """No provider is called here: accounts point at the documented host, which is never contacted."""
    settings.CONSOLE_SANDBOX = False


@pytest.fixture
def shared(studio, owner):
    return save_account(owner, "netmind", "Team", TOKEN, "https://api.netmind.ai", workspace=studio)


def in_studio(studio, user, role=None) -> Client:
    if role:
        join(studio, user, role)
    return client_in(studio, user)


def test_every_member_sees_the_workspaces_accounts_masked(studio, shared, other):
    page = in_studio(studio, other, Role.VIEWER).get("/settings/").content.decode()

    assert "Provider accounts of Studio" in page and "Team" in page and "••••0w9Y" in page
    assert "Add account" not in page and f"/settings/accounts/{shared.uuid}/delete/" not in page


def test_adding_replacing_and_removing_are_audited_without_the_token(studio, owner, other):
    client = in_studio(studio, other, Role.ADMIN)

    client.post("/settings/accounts/new/", {"provider": "netmind", "label": "Shared", "token": TOKEN,
                                            "base_url": "https://api.netmind.ai"})
    account = ProviderAccount.objects.get(workspace=studio, label="Shared")
    client.post(f"/settings/accounts/{account.uuid}/", {"label": "Shared", "base_url": "https://api.netmind.ai",
                                                        "token": NEW_TOKEN})
    client.post(f"/settings/accounts/{account.uuid}/delete/")

    entries = AuditEntry.objects.filter(workspace=studio, action__startswith="account.").order_by("at", "id")
    assert [(e.action, e.actor_name) for e in entries] == [
        ("account.added", "bob"), ("account.token_replaced", "bob"), ("account.removed", "bob")]
    assert entries[1].before["token"] == "••••0w9Y" and entries[1].after["token"] == "••••4321"
    assert not ProviderAccount.objects.filter(pk=account.pk).exists()
    for entry in entries:
        assert TOKEN not in str(entry.before) + str(entry.after) and NEW_TOKEN not in str(entry.after)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER])
def test_members_and_viewers_cannot_add_replace_or_remove_and_nothing_is_saved(studio, shared, other, role):
    client = in_studio(studio, other, role)

    added = client.post("/settings/accounts/new/", {"provider": "netmind", "label": "Mine", "token": NEW_TOKEN})
    replaced = client.post(f"/settings/accounts/{shared.uuid}/", {"label": "Team", "token": NEW_TOKEN,
                                                                  "base_url": "https://api.netmind.ai"})
    removed = client.post(f"/settings/accounts/{shared.uuid}/delete/")

    assert [added.status_code, replaced.status_code, removed.status_code] == [403, 403, 403]
    assert list(ProviderAccount.objects.filter(workspace=studio).values_list("label", flat=True)) == ["Team"]
    assert ProviderAccount.objects.get(pk=shared.pk).reveal_token() == TOKEN
    assert not AuditEntry.objects.filter(action__startswith="account.", actor_name="bob").exists()


def test_a_viewer_cannot_test_the_connection(studio, shared, other):
    assert in_studio(studio, other, Role.VIEWER).post(f"/settings/accounts/{shared.uuid}/test/").status_code == 403


def test_a_label_is_unique_per_workspace_not_per_person(studio, shared, owner, owner_client):
    client = in_studio(studio, owner)

    clash = client.post("/settings/accounts/new/", {"provider": "netmind", "label": "Team", "token": NEW_TOKEN,
                                                    "base_url": "https://api.netmind.ai"})
    save_account(owner, "netmind", "Team", NEW_TOKEN, "https://api.netmind.ai")  # personal workspace: no clash

    assert clash.status_code == 400 and "This workspace already has an account with this label" in clash.content.decode()
    assert ProviderAccount.objects.filter(label="Team").count() == 2


def test_the_full_token_is_in_no_page_an_admin_can_open(studio, shared, owner):
    client = in_studio(studio, owner)
    client.post(f"/settings/accounts/{shared.uuid}/", {"label": "Team", "base_url": "https://api.netmind.ai",
                                                       "token": NEW_TOKEN})

    for url in ["/settings/", f"/settings/accounts/{shared.uuid}/", f"/settings/accounts/{shared.uuid}/delete/",
                "/workspaces/audit/", "/workspaces/audit.csv", "/workspaces/settings/", "/workspaces/"]:
        body = client.get(url).content.decode()
        assert TOKEN not in body and NEW_TOKEN not in body and NEW_TOKEN[:-4] not in body, url


def test_the_command_adds_to_a_named_workspace_for_its_admins_only(studio, owner, other):
    call_command("provider_account", user="alice", provider="apinfer", token=NEW_TOKEN, workspace="Studio")
    assert ProviderAccount.objects.get(workspace=studio, provider="apinfer").owner == owner

    workspaces.add_member(studio, other, Role.MEMBER)
    with pytest.raises(CommandError, match="bob may not do this: This needs the admin role in Studio"):
        call_command("provider_account", user="bob", provider="netmind", token=NEW_TOKEN, workspace="Studio")
    with pytest.raises(CommandError, match="No workspace named “Nowhere”"):
        call_command("provider_account", user="alice", provider="netmind", token=NEW_TOKEN, workspace="Nowhere")
