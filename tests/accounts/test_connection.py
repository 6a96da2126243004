"""Test connection, against the sandbox over HTTP."""

import pytest

from netmind_console.accounts.services import save_account

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("provider", ["netmind", "apinfer"])
def test_a_good_token_connects(client, owner, sandbox, provider):
    account = save_account(owner, provider, "Good", sandbox.token + "", sandbox.url)
    client.force_login(owner)
    response = client.post(f"/settings/accounts/{account.uuid}/test/", HTTP_HX_REQUEST="true")
    assert "accepted the token" in response.content.decode()


@pytest.mark.parametrize("provider", ["netmind", "apinfer"])
def test_a_wrong_token_is_reported_as_rejected(client, owner, sandbox, provider):
    account = save_account(owner, provider, "Wrong", "definitely-wrong", sandbox.url)
    client.force_login(owner)
    response = client.post(f"/settings/accounts/{account.uuid}/test/", HTTP_HX_REQUEST="true")
    assert "rejected the token" in response.content.decode()
    assert "definitely-wrong" not in response.content.decode()


def test_an_unreachable_provider_is_reported_in_words(client, owner, settings):
    settings.PROVIDER_ALLOWED_HOSTS = ["127.0.0.1:9"]
    account = save_account(owner, "netmind", "Down", "some-token-123", "http://127.0.0.1:9")
    client.force_login(owner)
    response = client.post(f"/settings/accounts/{account.uuid}/test/", HTTP_HX_REQUEST="true")
    assert "Could not reach NetMind Power" in response.content.decode()


def test_a_token_the_current_keys_cannot_open_asks_to_enter_it_again(client, owner, sandbox, settings):
    from cryptography.fernet import Fernet

    from netmind_console.accounts import crypto

    account = save_account(owner, "netmind", "Old key", sandbox.token, sandbox.url)
    settings.CONSOLE_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the key it was stored with is gone
    crypto.reset_cache()
    try:
        client.force_login(owner)
        response = client.post(f"/settings/accounts/{account.uuid}/test/", HTTP_HX_REQUEST="true")
    finally:
        crypto.reset_cache()
    assert response.status_code == 200
    assert "cannot be decrypted — enter it again in Settings" in response.content.decode()
