"""The address of the person at the other end of a request: the one place that reads X-Forwarded-For.

Behind a reverse proxy REMOTE_ADDR is the proxy's own address, so every client looks the same. Each
proxy appends the address it saw to X-Forwarded-For; anything to the left of what our own proxies
wrote came from the client and can be made up. So with CONSOLE_TRUSTED_PROXIES = N the client is the
Nth address from the right (the one the outermost trusted proxy saw), and with 0 the header is ignored.
Used by django-axes (AXES_CLIENT_IP_CALLABLE) for the login lockout.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.CONSOLE_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        # Fewer entries than proxies: the request skipped a proxy we were told to expect; fall back to
        # the peer rather than trust an entry that no proxy of ours wrote.
        return remote
    return _valid_address(forwarded[-trusted]) or remote


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
