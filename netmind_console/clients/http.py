"""The one HTTP choke point: session, timeouts, retries, error mapping, token hygiene.

Retry rules (urllib3 `Retry` on the session's adapter):
- GET, PUT and DELETE are retried on connection errors, read errors and 429/500/502/503/504, with
  exponential backoff and jitter, honouring `Retry-After` up to `RetryPolicy.retry_after_max`.
- POST (every create) is retried only when the connection was never established. Once bytes were
  sent, a lost answer (read timeout, dropped connection, 500/502/504, an unreadable body) raises
  `AmbiguousCreate`: the caller lists remote jobs to reconcile instead of creating a second one.
  429 and 503 mean "not processed" and raise `RateLimited` / `ProviderUnavailable(retryable=True)`.
- 4xx are never retried.

Redirects are never followed (`allow_redirects=False`): no documented call redirects, and not
following them is the only way to be sure the bearer token goes to the configured host and nowhere
else. A 3xx answer from the API is a `BadResponse`.

The token is attached per request by `_BearerAuth` (never stored in session headers, so no request
to another host can carry it; presigned uploads do not use this session at all: outside.py), is
masked in every repr, and is redacted from any provider text copied into an exception. Log lines
carry method, host, path, status and timing only.
"""

import io
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, InvalidHeader
from urllib3.util.retry import Retry

from netmind_console import __version__

from . import normalize
from .errors import (
    AmbiguousCreate,
    BadResponse,
    InsufficientCredits,
    InvalidRequest,
    NotFound,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TokenRejected,
)
from .outside import PinnedAddressAdapter
from .payloads import load_json_spilling_long_strings
from .types import EndpointResponse

logger = logging.getLogger("netmind_console.clients")

T = TypeVar("T")

USER_AGENT = f"NetMindConsole/{__version__}"
DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
RETRIED_METHODS = frozenset({"GET", "PUT", "DELETE"})
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_STREAMED_BODY_BYTES = 512 * 1024 * 1024
MAX_ENDPOINT_BODY_BYTES = 64 * 1024
_BODY_CHUNK_BYTES = 256 * 1024
_MASK = "***"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a client tries before raising. Tests shrink the waits; production keeps these."""

    total: int = 3
    # A read timeout already cost a whole read timeout: one retry keeps a GET's worst case
    # (2 x (connect + read) + backoff) inside the 120 s task timeout.
    read: int = 1
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.5
    backoff_max: float = 10.0
    retry_after_max: float = 30.0

    def as_urllib3_retry(self) -> Retry:
        return Retry(
            total=self.total,
            connect=self.total,
            read=self.read,
            status=self.total,
            other=0,
            allowed_methods=RETRIED_METHODS,
            status_forcelist=RETRIED_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_jitter,
            backoff_max=self.backoff_max,
            respect_retry_after_header=True,
            retry_after_max=self.retry_after_max,
            raise_on_status=False,  # the last answer comes back and is mapped to an exception here
            raise_on_redirect=False,
        )


class _BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return f"_BearerAuth(token={_MASK!r})"


class ProviderHttp:
    """One `requests.Session` for one account on one provider."""

    def __init__(self, base_url: str, token: str, *, timeout=None, retry_policy: RetryPolicy | None = None,
                 address_for_host: Callable[[], str] | None = None):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._auth = _BearerAuth(token)
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._retry_policy = retry_policy or RetryPolicy()
        self._session = _new_session(self._retry_policy)
        # Bytes of the JSON answers read so far: a caller weighing what a call costs (jobs/read_costs.py) reads it
        # before and after.
        self.received_bytes = 0
        # Called before the first call to the base URL: the checked address to connect to (pinned for this
        # client's life, so DNS cannot change it after the check), or a ProviderError and nothing is sent.
        self._address_for_host = address_for_host

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, token={_MASK!r})"

    def close(self) -> None:
        self._session.close()

    # --- API calls -------------------------------------------------------------------------------

    def get(self, path: str, *, params: dict | None = None) -> Any:
        return self._call_json("GET", self._url(path), params=params)

    def put(self, path: str, payload: dict) -> Any:
        return self._call_json("PUT", self._url(path), json=payload)

    def delete(self, path: str) -> Any:
        return self._call_json("DELETE", self._url(path))

    def create(self, path: str, payload: dict, parse: Callable[[Any], T], *, headers: dict | None = None) -> T:
        """POST something new; any doubt about whether it now exists is `AmbiguousCreate`."""
        body = self._call_json("POST", self._url(path), json=payload, creating=True, headers=headers)
        return _parsed_as_create(body, parse)

    def get_streamed(self, path: str, scratch_dir: Path) -> Any:
        """GET a JSON answer that may carry megabytes of base64 (see payloads.py)."""
        response = self._send("GET", self._url(path), stream=True)
        return self._streamed_json(response, "GET", scratch_dir, creating=False)

    def create_streamed(self, path: str, payload: dict, scratch_dir: Path, parse: Callable[[Any], T]) -> T:
        response = self._send("POST", self._url(path), json=payload, stream=True, creating=True)
        body = self._streamed_json(response, "POST", scratch_dir, creating=True)
        return _parsed_as_create(body, parse)

    # --- calls that leave the API host -----------------------------------------------------------

    def post_to_endpoint(self, url: str, payload: Any, *, timeout=None) -> EndpointResponse:
        """"Try it" on a running dedicated endpoint: whatever it answers is reported, not raised."""
        started = time.monotonic()
        response = self._send("POST", url, json=payload, stream=True, creating=False, timeout=timeout)
        with response:
            body, truncated = self._read_capped(response, MAX_ENDPOINT_BODY_BYTES)
        return EndpointResponse(
            status_code=response.status_code,
            latency_ms=round((time.monotonic() - started) * 1000),
            body=self._redact(body.decode(response.encoding or "utf-8", errors="replace")),
            truncated=truncated,
        )

    # --- internals -------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _call_json(self, method: str, url: str, *, creating: bool = False, **kwargs) -> Any:
        response = self._send(method, url, creating=creating, **kwargs)
        self.received_bytes += len(response.content)
        self._raise_for_status(response, creating=creating)
        return self._json_body(response, creating=creating)

    def _send(self, method: str, url: str, *, creating: bool = False, timeout=None, **kwargs) -> requests.Response:
        if self._address_for_host is not None and url.startswith(self.base_url):
            self._pin_base_url_host()
        started = time.monotonic()
        where = _loggable(url)
        try:
            response = self._session.request(
                method,
                url,
                auth=self._auth,
                timeout=timeout or self._timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            logger.info("%s %s failed after %d ms: %s", method, where, _elapsed_ms(started), type(exc).__name__)
            raise self._transport_failure(method, where, exc, creating=creating) from None
        logger.debug("%s %s -> %s in %d ms", method, where, response.status_code, _elapsed_ms(started))
        return response

    def _pin_base_url_host(self) -> None:
        address, self._address_for_host = self._address_for_host(), None
        parts = urlsplit(self.base_url)
        adapter = PinnedAddressAdapter(address, max_retries=self._retry_policy.as_urllib3_retry())
        self._session.mount(f"{parts.scheme}://{parts.netloc}/", adapter)

    def _transport_failure(self, method: str, where: str, exc: requests.RequestException, *, creating: bool):
        detail = self._redact(f"{method} {where}: {type(exc).__name__}: {exc}")
        if creating and not _never_reached_provider(exc):
            return AmbiguousCreate(f"No answer to a create that was sent. {detail}")
        return ProviderUnavailable(f"Could not reach the provider. {detail}", retryable=True)

    def _raise_for_status(self, response: requests.Response, *, creating: bool) -> None:
        status = response.status_code
        if status < 300:
            return
        body = _json_or_none(response)
        message = self._redact(normalize.provider_message(body)) or f"HTTP {status}"
        raise self._error_for_status(status, body, message, response, creating=creating)

    def _error_for_status(self, status, body, message, response, *, creating: bool) -> ProviderError:
        if status < 400:
            return BadResponse(f"Unexpected redirect (HTTP {status}); redirects are not followed.", status_code=status)
        if status in (401, 403):
            return TokenRejected(message, status_code=status)
        if status == 402:
            return InsufficientCredits(message, status_code=status)
        if status in (404, 410):
            return NotFound(message, status_code=status)
        if status == 429:
            return RateLimited(message, status_code=status, retry_after=_retry_after_seconds(response))
        if status >= 500 and creating and status != 503:
            return AmbiguousCreate(f"The provider failed while handling a create: {message}", status_code=status,
                                   answered_in_json=status == 500 and body is not None)
        if status >= 500:
            return ProviderUnavailable(message, status_code=status, retryable=True)
        fields = {name: self._redact(text) for name, text in normalize.field_messages(body).items()}
        return InvalidRequest(message, status_code=status, field_messages=fields)

    def _json_body(self, response: requests.Response, *, creating: bool) -> Any:
        if not response.content.strip():
            return None  # DELETE of a service answers with an empty body
        try:
            return response.json()
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            raise _unreadable_body(response, creating=creating, body_start=response.content[:64]) from None

    def _streamed_json(self, response: requests.Response, method: str, scratch_dir: Path, *, creating: bool) -> Any:
        with response:
            if response.status_code >= 300:
                self._raise_for_status(response, creating=creating)
            with tempfile.TemporaryFile(dir=scratch_dir) as body_file:
                self._copy_body(response, body_file, method, creating=creating)
                body_file.seek(0)
                text = io.TextIOWrapper(body_file, encoding="utf-8")
                try:
                    return load_json_spilling_long_strings(text, scratch_dir)
                except (UnicodeDecodeError, BadResponse):
                    raise _unreadable_body(response, creating=creating) from None

    def _copy_body(self, response: requests.Response, sink, method: str, *, creating: bool) -> None:
        written = 0
        try:
            for chunk in response.iter_content(_BODY_CHUNK_BYTES):
                written += len(chunk)
                if written > MAX_STREAMED_BODY_BYTES:
                    raise BadResponse("The answer is larger than the console accepts.")
                sink.write(chunk)
        except requests.RequestException as exc:
            raise self._transport_failure(method, _loggable(response.url), exc, creating=creating) from None

    def _read_capped(self, response: requests.Response, limit: int) -> tuple[bytes, bool]:
        collected = bytearray()
        try:
            for chunk in response.iter_content(_BODY_CHUNK_BYTES):
                collected += chunk
                if len(collected) > limit:
                    return bytes(collected[:limit]), True
        except requests.RequestException as exc:
            raise self._transport_failure("POST", _loggable(response.url), exc, creating=False) from None
        return bytes(collected), False

    def _redact(self, text: str) -> str:
        return text.replace(self._token, _MASK) if self._token else text


class ProviderClient:
    """What every provider client shares: its own session, a masked repr, close()."""

    def __init__(self, base_url: str, token: str, *, timeout=None, retry_policy: RetryPolicy | None = None,
                 address_for_host: Callable[[], str] | None = None):
        self._http = ProviderHttp(base_url, token, timeout=timeout, retry_policy=retry_policy,
                                  address_for_host=address_for_host)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._http.base_url!r}, token={_MASK!r})"

    def close(self) -> None:
        self._http.close()

    @property
    def received_bytes(self) -> int:
        return self._http.received_bytes

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _new_session(retry_policy: RetryPolicy) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry_policy.as_urllib3_retry())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _parsed_as_create(body: Any, parse: Callable[[Any], T]) -> T:
    try:
        return parse(body)
    except BadResponse as exc:
        raise AmbiguousCreate(f"The answer to a create could not be read: {exc}") from None


def _never_reached_provider(exc: requests.RequestException) -> bool:
    """True when no byte of the request can have been received (so a POST is safe to repeat)."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    # NewConnectionError (refused, DNS) is a ConnectTimeoutError subclass in urllib3 2.
    return isinstance(reason, ConnectTimeoutError)


def _unreadable_body(response: requests.Response, *, creating: bool, body_start: bytes = b"") -> ProviderError:
    status = response.status_code
    if creating:
        return AmbiguousCreate(f"The answer to a create is not JSON (HTTP {status}).", status_code=status)
    if "html" in response.headers.get("Content-Type", "").lower() or body_start.lstrip()[:1] == b"<":
        # A proxy or load balancer answered in the provider's place.
        return ProviderUnavailable(f"An HTML page came back instead of JSON (HTTP {status}).", status_code=status)
    return BadResponse(f"The answer is not JSON (HTTP {status}).", status_code=status)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except (ValueError, requests.RequestException):
        return None


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(Retry().parse_retry_after(value))
    except InvalidHeader:  # a malformed header only loses the hint
        return None


def _loggable(url: str) -> str:
    """Host and path only: presigned query strings are credentials too."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
