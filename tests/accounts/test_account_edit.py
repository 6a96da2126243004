"""Editing a provider account: a rename keeps the token; a new base URL needs the token typed again, so a
stored token is never sent to a host the person did not type it for."""

import html
import re

import pytest

from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import save_account

pytestmark = pytest.mark.django_db
TOKEN = "nm-live-Zq8XvT3kLp0w9Y"
OLD_URL, NEW_URL = "http://127.0.0.1:9000", "http://127.0.0.1:9001"


@pytest.fixture
def console_setup(db, settings):
    """Out of sandbox mode, with two operator-listed hosts, so no name has to resolve."""
    settings.CONSOLE_SANDBOX = False
    settings.PROVIDER_ALLOWED_HOSTS = ["127.0.0.1:9000", "127.0.0.1:9001"]


@pytest.fixture
def account(owner):
    return save_account(owner, "netmind", "Work", TOKEN, OLD_URL)


def field_errors(response, field) -> str:
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


def edit(client, account, **fields):
    return client.post(f"/settings/accounts/{account.uuid}/", {"label": "Work", "base_url": OLD_URL, "token": "",
                                                                **fields})


def test_renaming_an_account_keeps_its_base_url_and_token(owner_client, account):
    response = edit(owner_client, account, label="Renamed")

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.label, account.base_url, account.reveal_token()) == ("Renamed", OLD_URL, TOKEN)


def test_a_trailing_slash_is_not_a_new_base_url(owner_client, account):
    assert edit(owner_client, account, base_url=OLD_URL + "/").status_code == 302


def test_a_new_base_url_without_the_token_is_refused_and_nothing_is_saved(owner_client, account):
    response = edit(owner_client, account, label="Moved", base_url=NEW_URL)

    assert response.status_code == 400
    assert "Enter the token again to use it with a new base URL" in field_errors(response, "token")
    account.refresh_from_db()
    assert (account.label, account.base_url, account.reveal_token()) == ("Work", OLD_URL, TOKEN)


def test_clearing_the_base_url_to_another_default_needs_the_token_too(owner_client, account):
    response = edit(owner_client, account, base_url="")

    assert response.status_code == 400
    assert "Enter the token again" in field_errors(response, "token")
    assert ProviderAccount.objects.get(pk=account.pk).base_url == OLD_URL


def test_a_new_base_url_with_the_token_typed_again_is_saved(owner_client, account):
    new_token = "nm-live-NewHost12345"

    assert edit(owner_client, account, base_url=NEW_URL, token=new_token).status_code == 302
    account.refresh_from_db()
    assert (account.base_url, account.reveal_token()) == (NEW_URL, new_token)
