"""The one exit for URLs that came from outside: a provider's file link, a user's webhook, a base URL.

Such a URL is hostile input, so every request to one goes through here:

- http(s) only, no credentials in the URL; an allow-list of hosts when the caller has one;
- https unless the host is listed as insecure (those may also be loopback or private: the sandbox,
  a receiver on the operator's own network);
- the host is resolved once, every address must be public, and the connection goes to that checked
  address (`PinnedAddressAdapter`), so DNS rebinding cannot slip past the check;
- redirects are never followed off the origin, a few at most; time caps; no proxies, no .netrc,
  no content decoding; the caller caps the body it reads.

`check_url` is the check without a request (for forms: a name that does not resolve right now passes
and is checked again when used); `get_stream`, `post` and `put` make the request.
"""

import ipaddress
import re
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

MAX_REDIRECTS = 3
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 20
MAX_ANSWER_BYTES = 64 * 1024
_QUERY = re.compile(r"\?[^\s'\")]*")  # a URL's query, up to where the error's text goes on


class RefusedURL(Exception):
    """The URL may not be requested; the message says why, for a person. Retrying cannot help."""


class Unreachable(Exception):
    """The host did not resolve or answer: worth another try later."""


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int
    insecure_ok: bool  # listed as insecure: plain http and non-public addresses allowed


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def listed(host: str, port: int, default_port: int, entries) -> bool:
    """Entries are `host` (the scheme's default port only) or `host:port`."""
    for entry in entries:
        entry_parts = urlsplit(f"//{entry.strip().lower()}")
        try:
            entry_port = entry_parts.port
        except ValueError:
            continue
        if entry_parts.hostname == host and (entry_port or default_port) == port:
            return True
    return False


def check_url(url: str, *, allowed_hosts=None, insecure_hosts=(), allowed_name="the allowed hosts",
              insecure_name="the insecure hosts", resolve: bool = True) -> Origin:
    """Refuse what may never be requested. `allowed_hosts=None` means any public host.

    With `resolve`, a name is looked up and refused if any of its addresses is not public; a name that
    does not resolve now passes here (the request itself resolves again and fails).
    """
    origin = _origin(url, insecure_hosts)
    if allowed_hosts is not None and not listed(origin.host, origin.port, _default_port(origin.scheme), allowed_hosts):
        raise RefusedURL(f"Refused host {urlsplit(url).netloc}: it is not in {allowed_name}.")
    if origin.scheme == "http" and not origin.insecure_ok:
        raise RefusedURL(f"Refused plain http from {urlsplit(url).netloc}: only hosts in {insecure_name} may skip https.")
    if not origin.insecure_ok:
        _refuse_literal(origin.host)
        if resolve:
            try:
                pin(origin)
            except Unreachable:
                pass
    return origin


def pin(origin: Origin) -> str:
    """Resolve once and return the address to connect to; refuse non-public ones unless insecure-listed."""
    try:
        infos = socket.getaddrinfo(origin.host, origin.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as error:
        raise Unreachable(f"Could not resolve {origin.host}: {error}") from None
    addresses = [info[4][0] for info in infos]
    if not origin.insecure_ok:
        for address in addresses:
            reason = non_public_reason(address)
            if reason:
                raise RefusedURL(f"Refused {origin.host}: it resolves to {address}, {reason}.")
    return addresses[0]


def non_public_reason(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and (ip.ipv4_mapped or ip.sixtofour or ip.teredo):
        return "an IPv4-mapped or tunnelled address"
    for label, flag in (
        ("an unspecified", ip.is_unspecified),
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a private", ip.is_private),
        ("a multicast", ip.is_multicast),
        ("a reserved", ip.is_reserved),
    ):
        if flag:
            return f"{label} address"
    return None if ip.is_global else "a non-public address"


@contextmanager
def get_stream(url: str, *, deadline: float, headers=None, **checks):
    """GET `url` streamed (checks as for `check_url`), following same-origin redirects only.

    Yields the response unread; the caller reads `response.raw` with its own size and time caps.
    Raises RefusedURL or Unreachable; errors while the caller reads are requests/urllib3/OSError ones.
    """
    origin = check_url(url, resolve=False, **checks)
    with _pinned_session(pin(origin)) as session:
        response = _connected(lambda: _get_same_origin(session, url, origin, deadline, headers or {}))
        with response:
            yield response


def post(url: str, *, data: bytes, headers: dict, timeout=(3, 10), max_answer_bytes=MAX_ANSWER_BYTES,
         **checks) -> Answer:
    """POST once, never following a redirect; reads at most `max_answer_bytes` of the answer."""
    return _send_once("POST", url, data, headers, timeout, max_answer_bytes, checks)


def put(url: str, *, data, headers: dict, timeout=(5, 60), max_answer_bytes=MAX_ANSWER_BYTES, **checks) -> Answer:
    """PUT once (`data`: bytes or a file, streamed), never following a redirect: an upload to an object-store link a
    provider handed out. Reads at most `max_answer_bytes` of the answer."""
    return _send_once("PUT", url, data, headers, timeout, max_answer_bytes, checks)


def _send_once(method: str, url: str, data, headers: dict, timeout, max_answer_bytes: int, checks: dict) -> Answer:
    origin = check_url(url, resolve=False, **checks)
    deadline = time.monotonic() + sum(timeout)  # past it the answer's body is left unread: its status stands
    with _pinned_session(pin(origin)) as session:
        response = _connected(lambda: session.request(method, url, data=data, headers=headers, timeout=timeout,
                                                      stream=True, allow_redirects=False))
        with response:
            body = bytearray()
            try:
                while len(body) <= max_answer_bytes and time.monotonic() < deadline:
                    chunk = response.raw.read1(8192, decode_content=False)
                    if not chunk:
                        break
                    body += chunk
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
                pass  # the status arrived; a broken answer body does not change it
            return Answer(response.status_code, bytes(body[:max_answer_bytes]))


def _connected(send):
    try:
        return send()
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        # A query string may be a credential (a presigned link's signature): it never reaches a message.
        raise Unreachable(f"{error.__class__.__name__}: {_QUERY.sub('?…', str(error))[:200]}") from None


@contextmanager
def _pinned_session(address: str):
    adapter = PinnedAddressAdapter(address)
    with requests.Session() as session:
        session.trust_env = False  # no proxies (they would bypass the pinned address), no .netrc credentials
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        yield session


def _get_same_origin(session, url, origin: Origin, deadline, headers):
    for _ in range(MAX_REDIRECTS + 1):
        remaining = max(0.1, deadline - time.monotonic())
        response = session.get(
            url, stream=True, allow_redirects=False, headers={"Accept-Encoding": "identity", **headers},
            timeout=(min(CONNECT_TIMEOUT_SECONDS, remaining), min(READ_TIMEOUT_SECONDS, remaining)),
        )
        if not response.is_redirect:
            return response
        response.close()
        url = urljoin(url, response.headers["Location"])
        target = urlsplit(url)
        try:
            same = (target.scheme, target.hostname, target.port or _default_port(target.scheme)) == (
                origin.scheme, origin.host, origin.port)
        except ValueError:
            same = False
        if not same:
            raise RefusedURL(f"Refused a redirect to another host or scheme ({target.scheme}://{target.netloc}).")
    raise RefusedURL(f"Refused: more than {MAX_REDIRECTS} redirects.")


def _origin(url: str, insecure_hosts) -> Origin:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise RefusedURL("Refused a link that cannot be parsed.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RefusedURL(f"Refused {scheme or 'a schemeless'} link: only http(s) URLs are allowed.")
    try:
        port = parts.port
    except ValueError:
        raise RefusedURL("Refused a link with an invalid port.") from None
    if not parts.hostname:
        raise RefusedURL("Refused a link without a host.")
    if parts.username or parts.password:
        raise RefusedURL("Refused a link with credentials in it.")
    port = port or _default_port(scheme)
    return Origin(scheme, parts.hostname, port, listed(parts.hostname, port, _default_port(scheme), insecure_hosts))


def _refuse_literal(host: str):
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return  # a name: its addresses are checked when it is resolved
    reason = non_public_reason(host)
    if reason:
        raise RefusedURL(f"Refused {host}: it is {reason}; only public addresses are allowed.")


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class _PinnedConnectionMixin:
    """Connects to the already-checked address; Host header, TLS SNI and certificate use the name."""

    def __init__(self, *args, pinned_address, **kwargs):
        self._pinned_address = pinned_address
        super().__init__(*args, **kwargs)

    def _new_conn(self):
        try:
            return urllib3.util.connection.create_connection(
                (self._pinned_address, self.port), self.timeout,
                source_address=self.source_address, socket_options=self.socket_options,
            )
        except TimeoutError as error:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from error
        except OSError as error:
            raise NewConnectionError(self, f"Failed to connect to {self.host}: {error}") from error


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class PinnedAddressAdapter(HTTPAdapter):
    """A requests adapter whose every connection goes to one fixed IP address."""

    def __init__(self, address: str, max_retries=0):
        self._address = address
        self._pools = {}
        super().__init__(max_retries=max_retries)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        host_params, tls_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        key = (host_params["scheme"], host_params["host"], host_params["port"])
        if key not in self._pools:
            https = host_params["scheme"] == "https"
            pool_class = _PinnedHTTPSPool if https else _PinnedHTTPPool
            self._pools[key] = pool_class(
                host_params["host"], host_params["port"], pinned_address=self._address, **(tls_kwargs if https else {})
            )
        return self._pools[key]

    def close(self):
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        super().close()
