"""Where a provider account may send its token: the one rule, checked when an account is saved and again
before every client sends anything.

Allowed: the provider's documented API host (API.md), the host of NETMIND_API_BASE / APINFER_API_BASE (set by
the operator), the sandbox in sandbox mode, and hosts in PROVIDER_ALLOWED_HOSTS. Only the last two may be
plain http or loopback/private; every other host must be https and resolve to public addresses only.
"""

from urllib.parse import urlsplit

from django.conf import settings

from netmind_console.accounts.models import Provider
from netmind_console.clients import outside
from netmind_console.clients.errors import BaseUrlNotAllowed, ProviderUnavailable

DOCUMENTED_HOSTS = {Provider.NETMIND: ["api.netmind.ai"], Provider.APINFER: ["apinfer.com"]}


def insecure_hosts() -> list[str]:
    sandbox = [urlsplit(settings.SANDBOX_URL).netloc] if settings.CONSOLE_SANDBOX else []
    return [*settings.PROVIDER_ALLOWED_HOSTS, *sandbox]


def allowed_hosts(provider: str) -> list[str]:
    operator_base = settings.NETMIND_API_BASE if provider == Provider.NETMIND else settings.APINFER_API_BASE
    return [*DOCUMENTED_HOSTS.get(provider, []), urlsplit(operator_base).netloc, *insecure_hosts()]


def check_base_url(provider: str, url: str, *, resolve: bool = True) -> outside.Origin:
    """Raise outside.RefusedURL, worded for a person, unless `url` is a base URL this provider may use."""
    return outside.check_url(
        url, resolve=resolve,
        allowed_hosts=allowed_hosts(provider), insecure_hosts=insecure_hosts(),
        allowed_name="the provider's hosts, its *_API_BASE setting or PROVIDER_ALLOWED_HOSTS",
        insecure_name="PROVIDER_ALLOWED_HOSTS (or the sandbox)",
    )


def address_to_connect(provider: str, url: str) -> str:
    """The checked address a client for `url` connects to; a ProviderError (nothing sent) otherwise."""
    try:
        return outside.pin(check_base_url(provider, url, resolve=False))
    except outside.RefusedURL as error:
        raise BaseUrlNotAllowed(str(error), user_message=f"The base URL {url} is not allowed. {error}") from None
    except outside.Unreachable as error:
        raise ProviderUnavailable(str(error), retryable=True) from None
