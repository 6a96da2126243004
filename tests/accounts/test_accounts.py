"""Provider accounts: encrypted at rest, masked on pages, private to their owner."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from netmind_console.accounts import crypto
from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import save_account
from netmind_console.workspaces.services import personal_workspace

pytestmark = pytest.mark.django_db
TOKEN = "nm-live-Zq8XvT3kLp0w9Y"


@pytest.fixture
def owners_account(owner):
    return save_account(owner, "netmind", "Work", TOKEN, "https://api.netmind.ai")


def test_the_token_is_ciphertext_in_the_database(owners_account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_provideraccount WHERE id = %s", [owners_account.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert TOKEN not in row
    assert ProviderAccount.objects.get(pk=owners_account.pk).reveal_token() == TOKEN


def test_the_settings_page_shows_only_the_last_four_characters(client, owner, owners_account):
    client.force_login(owner)
    page = client.get("/settings/").content.decode()
    assert "••••0w9Y" in page and TOKEN not in page and TOKEN[:-4] not in page
    edit = client.get(f"/settings/accounts/{owners_account.uuid}/").content.decode()
    assert TOKEN not in edit and "Currently ••••0w9Y" in edit


def test_key_rotation_keeps_old_tokens_readable(settings, owners_account):
    from cryptography.fernet import Fernet

    settings.CONSOLE_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.CONSOLE_ENCRYPTION_KEYS]
    crypto.reset_cache()
    try:
        assert ProviderAccount.objects.get(pk=owners_account.pk).reveal_token() == TOKEN
    finally:
        settings.CONSOLE_ENCRYPTION_KEYS = settings.CONSOLE_ENCRYPTION_KEYS[1:]
        crypto.reset_cache()


@pytest.mark.parametrize("url", ["/settings/accounts/{uuid}/", "/settings/accounts/{uuid}/delete/"])
def test_bob_gets_404_for_alices_account_and_cannot_change_it(client, other, owners_account, url):
    client.force_login(other)
    assert client.get(url.format(uuid=owners_account.uuid)).status_code == 404
    assert client.post(url.format(uuid=owners_account.uuid), {"label": "Mine now", "token": "x" * 10}).status_code == 404
    owners_account.refresh_from_db()
    assert owners_account.label == "Work"


def test_bob_cannot_test_alices_account(client, other, owners_account):
    client.force_login(other)
    assert client.post(f"/settings/accounts/{owners_account.uuid}/test/").status_code == 404


def test_adding_an_account_without_a_token_says_what_is_missing(client, owner):
    client.force_login(owner)
    response = client.post("/settings/accounts/new/", {"provider": "netmind", "label": "Home", "token": ""})
    assert response.status_code == 400
    assert "Enter the API token" in response.content.decode()
    assert not ProviderAccount.objects.filter(label="Home").exists()


def test_adding_and_removing_an_account(client, owner):
    client.force_login(owner)
    client.post("/settings/accounts/new/", {"provider": "apinfer", "label": "Home", "token": "ak-123456789"})
    account = ProviderAccount.objects.get(owner=owner, label="Home")
    assert account.token_last4 == "6789"
    assert "Remove Home?" in client.get(f"/settings/accounts/{account.uuid}/delete/").content.decode()
    client.post(f"/settings/accounts/{account.uuid}/delete/")
    assert not ProviderAccount.objects.filter(pk=account.pk).exists()


def test_the_command_creates_then_updates_an_account_without_printing_the_token(owner, capsys):
    call_command("provider_account", user="alice", provider="netmind", token=TOKEN)
    call_command("provider_account", user="alice", provider="netmind", token=TOKEN + "AB")
    out = capsys.readouterr().out
    assert "Created" in out and "Updated" in out and TOKEN not in out
    assert ProviderAccount.objects.get(owner=owner, label="Default").reveal_token() == TOKEN + "AB"


def test_the_command_names_a_bad_argument(owner):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("provider_account", user="nobody", provider="netmind", token=TOKEN)
    with pytest.raises(CommandError, match="--base-url"):
        call_command("provider_account", user="alice", provider="netmind", token=TOKEN, base_url="ftp://x")


def test_sandbox_mode_gives_each_new_user_both_sandbox_accounts(settings, django_user_model):
    settings.CONSOLE_SANDBOX = True
    user = django_user_model.objects.create_user("carol", password="pw-carol-123")
    assert sorted(user.provider_accounts.values_list("provider", flat=True)) == ["apinfer", "netmind"]
    assert all(a.is_sandbox and a.workspace == personal_workspace(user) for a in user.provider_accounts.all())
