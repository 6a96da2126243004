"""The default account of each provider: the first one added, never a later one on its own; an admin's deliberate
choice after that. Every form that picks an account preselects it, and says which account failed its last test."""

import html
import re

import pytest

from endpoints.forms import AdoptForm, CreateEndpointForm
from jobs import catalogue, comparison
from jobs.api.job_input import form_data
from jobs.forms import JobForm
from netmind_console.accounts import services
from netmind_console.accounts.models import ProviderAccount
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.console import account_of, bad_token_account
from tests.fixtures.teams import client_in, join

pytestmark = pytest.mark.django_db
QWEN = catalogue.get("Qwen/Qwen-Image")


def options(page: str, name="account") -> list[tuple[str, bool]]:
    """(label, selected) of each option of the select named `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [(html.unescape(label), bool(selected)) for selected, label
            in re.findall(r"<option [^>]*?( selected)?>(.*?)</option>", select)]


@pytest.fixture
def second(owner, sandbox):
    """A NetMind account added after the sandbox one, with a token the provider rejects, tested once."""
    account = bad_token_account(owner, "netmind", sandbox)
    services.test_connection(account)
    return account


def test_the_first_account_of_a_provider_is_the_default_and_a_later_one_does_not_take_over(owner, second):
    first = account_of(owner, "netmind")

    assert first.is_default and not ProviderAccount.objects.get(pk=second.pk).is_default
    assert services.default_account(personal_workspace(owner), "netmind") == first
    assert account_of(owner, "apinfer").is_default  # one default per provider


def test_adding_an_account_says_which_one_stays_the_default(owner_client):
    response = owner_client.post("/settings/accounts/new/", {"provider": "netmind", "label": "Second", "token":
                                                             "not-the-sandbox-token"}, follow=True)

    assert "Saved Second. Sandbox stays the default NetMind Power account" in html.unescape(
        response.content.decode())


def test_a_failed_test_is_kept_and_every_choice_says_so(owner, second):
    second.refresh_from_db()

    assert second.last_test_ok is False and second.last_test_problem == "token rejected"
    assert second.choice_label == "Wrong token — last test failed: token rejected"
    assert account_of(owner, "netmind").choice_label == "Sandbox (default)"


def test_a_new_token_forgets_the_failed_test(owner, second, sandbox):
    services.save_account(owner, "netmind", second.label, sandbox.token, sandbox.url, second)
    second.refresh_from_db()

    assert second.last_test_ok is None and second.choice_label == "Wrong token"


def test_new_job_and_import_history_preselect_the_default_and_mark_the_failing_account(owner, owner_client, second):
    new_job = owner_client.get("/jobs/new/", {"model": QWEN.key}).content.decode()
    imports = owner_client.get("/jobs/").content.decode()

    expected = [("Sandbox (default)", True), ("Wrong token — last test failed: token rejected", False)]
    assert options(new_job) == expected
    assert options(imports) == expected


def test_forms_and_the_api_that_pick_an_account_take_the_default(owner, second):
    workspace, first = personal_workspace(owner), account_of(owner, "netmind")
    ProviderAccount.objects.filter(pk=first.pk).update(label="Zeta")  # listed after "Wrong token" by label
    first.refresh_from_db()

    assert JobForm(spec=QWEN, workspace=workspace)["account"].initial == first
    assert form_data(QWEN, {}, None, workspace)["account"] == str(first.uuid)
    assert CreateEndpointForm(workspace=workspace).fields["account"].initial == first
    assert AdoptForm(workspace=workspace).fields["account"].initial == first
    group = comparison.submit(owner, workspace, [QWEN.key, "hunyuanvideo-community/HunyuanVideo"], "a cat")
    assert set(owner.jobs.filter(compare_group=group).values_list("account", flat=True)) == {first.pk}


def test_an_admin_makes_another_account_the_default_and_it_is_audited(owner, owner_client, second):
    response = owner_client.post(f"/settings/accounts/{second.uuid}/default/", follow=True)

    assert "Wrong token is now the default NetMind Power account" in html.unescape(response.content.decode())
    assert services.default_account(personal_workspace(owner), "netmind") == second
    assert ProviderAccount.objects.filter(workspace=second.workspace, provider="netmind", is_default=True).count() == 1
    entry = AuditEntry.objects.get(action="account.default_changed")
    assert (entry.actor_name, entry.before, entry.after) == ("alice", {"default": "Sandbox"},
                                                              {"default": "Wrong token"})


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER])
def test_members_and_viewers_cannot_change_the_default(studio, owner, other, role):
    join(studio, other, role)
    team_account = services.save_account(owner, "netmind", "Team", "not-the-token", workspace=studio)

    response = client_in(studio, other).post(f"/settings/accounts/{team_account.uuid}/default/")

    assert response.status_code == 403
    assert not ProviderAccount.objects.get(pk=team_account.pk).is_default


def test_removing_the_default_hands_it_to_the_oldest_account_whose_test_did_not_fail(owner, owner_client, second,
                                                                                     sandbox):
    third = services.save_account(owner, "netmind", "Third", sandbox.token, sandbox.url)
    first = account_of(owner, "netmind")

    confirm = html.unescape(owner_client.get(f"/settings/accounts/{first.uuid}/delete/").content.decode())
    response = owner_client.post(f"/settings/accounts/{first.uuid}/delete/", follow=True)

    assert "Third becomes the default in its place" in confirm
    assert "Removed Sandbox. Third is now the default NetMind Power account." in html.unescape(
        response.content.decode())
    assert services.default_account(personal_workspace(owner), "netmind") == third
    assert AuditEntry.objects.filter(action="account.default_changed", after={"default": "Third"}).exists()


def test_removing_the_only_account_leaves_no_default(owner, owner_client):
    first = account_of(owner, "netmind")

    owner_client.post(f"/settings/accounts/{first.uuid}/delete/")

    assert services.default_account(personal_workspace(owner), "netmind") is None
