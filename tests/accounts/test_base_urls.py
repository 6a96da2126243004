"""A provider account's base URL receives its token: only the providers' hosts, the sandbox and hosts the
operator listed may be one; refused when saved and again before anything is sent."""

import html
import re
import socket

import pytest
from django.core.management import CommandError, call_command

from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import BaseUrlRefused, save_account
from tests.clients.local_server import CannedServer

pytestmark = pytest.mark.django_db
TOKEN = "nm-live-Zq8XvT3kLp0w9Y"
REJECTED = b'{"error": {"message": "bad token"}}'


@pytest.fixture
def console_setup(db, settings):
    """Out of sandbox mode (each test says otherwise where it matters), so the owner starts with no accounts."""
    settings.CONSOLE_SANDBOX = False


@pytest.fixture
def local_api():
    """A server on loopback that answers every call with 401, so any request that reaches it shows."""
    with CannedServer(status=401, body=REJECTED) as server:
        yield server


def field_errors(response, field) -> str:
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""


def connection_test_page(client, account) -> str:
    response = client.post(f"/settings/accounts/{account.uuid}/test/", HTTP_HX_REQUEST="true")
    return html.unescape(response.content.decode())


def add_account(client, base_url, provider="netmind"):
    return client.post("/settings/accounts/new/", {"provider": provider, "label": "Mine", "base_url": base_url,
                                                    "token": TOKEN})


@pytest.mark.parametrize("base_url, reason", [
    ("https://127.0.0.1:9000", "Refused host 127.0.0.1:9000: it is not in the provider's hosts"),
    ("https://169.254.169.254", "Refused host 169.254.169.254: it is not in"),
    ("https://10.0.0.5/api", "Refused host 10.0.0.5: it is not in"),
    ("https://api.evil.example", "Refused host api.evil.example: it is not in"),
    ("http://api.netmind.ai", "Refused plain http from api.netmind.ai"),
])
def test_the_account_form_refuses_a_base_url_that_is_not_a_provider_host(owner_client, settings, base_url, reason):

    response = add_account(owner_client, base_url)

    assert response.status_code == 400
    errors = field_errors(response, "base_url")
    assert errors.startswith("<li>This base URL is not allowed.") and reason in errors
    assert not ProviderAccount.objects.exists()


def test_a_netmind_account_may_not_point_at_apinfers_host(owner_client, settings):
    assert "not in" in field_errors(add_account(owner_client, "https://apinfer.com"), "base_url")
    assert not ProviderAccount.objects.exists()


def test_an_operator_host_that_resolves_to_loopback_is_refused(owner_client, settings):
    settings.NETMIND_API_BASE = "https://localhost:8443"

    response = add_account(owner_client, "https://localhost:8443")

    assert response.status_code == 400
    assert "it resolves to 127.0.0.1, a loopback address" in field_errors(response, "base_url")


@pytest.mark.parametrize("base_url", ["https://api.netmind.ai", ""])
def test_the_documented_host_and_the_default_are_accepted(owner_client, owner, settings, base_url):

    assert add_account(owner_client, base_url).status_code == 302
    assert ProviderAccount.objects.get(owner=owner, label="Mine").base_url == "https://api.netmind.ai"


def test_the_sandbox_is_accepted_in_sandbox_mode_only(owner_client, owner, settings):
    settings.CONSOLE_SANDBOX, settings.SANDBOX_URL = True, "http://127.0.0.1:8001"
    assert add_account(owner_client, "http://127.0.0.1:8001").status_code == 302

    account = ProviderAccount.objects.get()
    renamed = owner_client.post(f"/settings/accounts/{account.uuid}/", {"label": "Renamed", "base_url": account.base_url})
    assert renamed.status_code == 302  # editing keeps the provider, which the form shows but does not post

    settings.CONSOLE_SANDBOX = False
    response = owner_client.post(f"/settings/accounts/{ProviderAccount.objects.get().uuid}/",
                                 {"label": "Renamed", "base_url": "http://127.0.0.1:8001", "token": ""})
    assert response.status_code == 400
    assert "Refused host 127.0.0.1:8001: it is not in" in field_errors(response, "base_url")


def test_a_host_in_provider_allowed_hosts_may_be_loopback_and_plain_http(owner_client, owner, settings):
    settings.PROVIDER_ALLOWED_HOSTS = ["127.0.0.1:9000"]

    assert add_account(owner_client, "http://127.0.0.1:9000").status_code == 302
    assert add_account(owner_client, "http://127.0.0.1:9001").status_code == 400


def test_save_account_and_the_command_refuse_too(owner, settings):
    with pytest.raises(BaseUrlRefused, match="not allowed. Refused host 10.0.0.5"):
        save_account(owner, "netmind", "Inside", TOKEN, "https://10.0.0.5")
    with pytest.raises(CommandError, match="--base-url: This base URL is not allowed. Refused 127.0.0.1"):
        settings.NETMIND_API_BASE = "https://127.0.0.1"
        call_command("provider_account", user="alice", provider="netmind", token=TOKEN, base_url="https://127.0.0.1")
    assert not ProviderAccount.objects.exists()


# --- refused again before sending ---------------------------------------------------------------------


def forced_account(owner, base_url):
    """A row saved before the rule (or before the settings changed): the database holds whatever it holds."""
    account = save_account(owner, "netmind", "Old", TOKEN, "https://api.netmind.ai")
    ProviderAccount.objects.filter(pk=account.pk).update(base_url=base_url)
    return ProviderAccount.objects.get(pk=account.pk)


def test_a_stored_base_url_that_is_not_allowed_sends_nothing(owner_client, owner, local_api, settings):
    account = forced_account(owner, local_api.url)

    page = connection_test_page(owner_client, account)

    host = local_api.url.split("//")[1]
    assert f"The base URL {local_api.url} is not allowed. Refused host {host}: it is not in" in page
    assert local_api.requests == []


def test_a_stored_base_url_whose_name_resolves_inside_sends_nothing(owner_client, owner, local_api, settings):
    port = local_api.url.rsplit(":", 1)[1]
    settings.NETMIND_API_BASE = f"https://localhost:{port}"  # an allowed host, but DNS says loopback
    account = forced_account(owner, f"https://localhost:{port}")

    page = connection_test_page(owner_client, account)

    assert "it resolves to 127.0.0.1, a loopback address" in page
    assert local_api.requests == []


def test_listing_the_host_lets_the_call_through(owner_client, owner, local_api, settings):
    settings.PROVIDER_ALLOWED_HOSTS = [local_api.url.split("//")[1]]
    account = forced_account(owner, local_api.url)

    assert "rejected the token" in connection_test_page(owner_client, account)
    assert len(local_api.requests) == 1


def test_the_client_connects_to_the_address_that_was_checked(owner_client, owner, local_api, settings, monkeypatch):
    """DNS rebinding: a second lookup would answer an address inside, but the client never looks again."""
    port = local_api.url.rsplit(":", 1)[1]
    settings.PROVIDER_ALLOWED_HOSTS = [f"rebind.example:{port}"]
    account = forced_account(owner, f"http://rebind.example:{port}")
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.255.255.1", "10.255.255.1"])

    def rebinding_dns(name, *args, **kwargs):
        return real_getaddrinfo(next(answers) if name == "rebind.example" else name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)

    assert "rejected the token" in connection_test_page(owner_client, account)
    (_, _, headers), = local_api.requests
    assert headers["Host"] == f"rebind.example:{port}"
