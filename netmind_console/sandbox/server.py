"""The sandbox HTTP server: routing, auth, fault injection, admin URLs and the object-store links.

Admin URLs (under /_sandbox/, no auth, never faulted or counted): `health`, `calls` (call counts, fault
outcomes and the bytes answered per call), `reset`, `config`, `credits`, and
`lifetimes?kind=generation[&token=...]`: every remote job of one kind ever created (deleted ones too), each with
`created` and `finished` (epoch seconds: its timeline's first and last entries; `finished` may lie ahead of the
answer's `now`) and its final `status`. How many jobs a client had alive at the provider at once is read from
these, from the provider's side (tests/scaleout/test_batch_cap.py).
"""

import logging
import mimetypes
import random
import re
import time
from dataclasses import asdict, dataclass, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from . import apinfer, endpoints, faults, files, generations, haiper
from .links import Signer
from .media import CONTENT_TYPES, MediaCache
from .store import Store
from .validation import Invalid
from .web import APINFER, ApiError, Request, Response, Router, error_body, invalid_body, json_response

log = logging.getLogger(__name__)

SCHEMAS = ("new", "old")
# Kinds of remote job whose timeline ends in a final status (an endpoint's never does): /_sandbox/lifetimes.
JOB_KINDS = (generations.KIND, haiper.VIDEO.store_kind, haiper.IMAGE.store_kind, apinfer.KIND)
# `<SANDBOX_TOKEN>-<suffix>`: a remote account of its own, as each real API key is (see account_name).
ACCOUNT_SUFFIX = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass
class Config:
    """What /_sandbox/config can change while the server runs."""

    fail_rate: float = 0.0
    latency_ms: float = 0.0
    speed: float = 1.0
    schema: str = "new"
    url_ttl: int = 3600

    def update(self, changes: dict):
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        checked = {name: _checked(name, value) for name, value in changes.items()}
        for name, value in checked.items():
            setattr(self, name, value)


def _checked(name: str, value):
    if name == "schema":
        if value not in SCHEMAS:
            raise ValueError(f"schema must be one of {SCHEMAS}")
        return value
    number = float(value)
    if name == "fail_rate" and not 0 <= number <= 1:
        raise ValueError("fail_rate must be between 0 and 1")
    if name in ("speed", "url_ttl") and number <= 0:
        raise ValueError(f"{name} must be positive")
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return int(number) if name == "url_ttl" else number


class Sandbox:
    """Everything the request handler needs; one per server."""

    def __init__(self, data_dir: Path, token: str, config: Config, ffmpeg: str, credits: float | None = None):
        self.store = Store(data_dir)
        self.cache = MediaCache(data_dir / "media", ffmpeg)
        self.signer = Signer(self.store.secret())
        self.token = token
        self.config = config
        self.counters = faults.Counters()
        self.rng = random.Random()
        self.router = Router(generations.ROUTES + haiper.ROUTES + endpoints.ROUTES + files.ROUTES + apinfer.ROUTES)
        if credits is not None or self.store.setting("credits") is None:
            self.store.set_credits(1000 if credits is None else credits)

    def link(self, request: Request, key: str, method: str = "GET", ttl: int | None = None) -> str:
        return self.signer.url(request.base_url, key, ttl or self.config.url_ttl, method)

    def media_bytes(self, key: str) -> bytes:
        return self.cache.bytes_for(key, self.store.media(key))

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response | None:
        if request.path.startswith("/_sandbox/"):
            return self.admin(request)
        if request.path.startswith("/files/"):
            return self.object_store(request)
        return self.api(request)

    def api(self, request: Request) -> Response | None:
        route, params, path_known = self.router.match(request.method, request.path)
        call = f"{request.method} {route.template}" if route else f"{request.method} (unmatched)"
        # Decide the fault first: a faulted call must never change any state.
        fault = faults.pick(self.config.fail_rate, self.rng)
        self.counters.count(call, fault)
        if fault != faults.NONE:
            response = faults.response(fault)
        elif route is None:
            response = _no_route(path_known)
        else:
            request.params = params
            response = self.answer(route, request)
        if response is not None:
            self.counters.count_bytes(call, response.body)
        # Latency comes after the work, so a client that times out has still reached the provider.
        time.sleep(self.config.latency_ms / 1000)
        return response

    def answer(self, route, request: Request) -> Response:
        token = _presented_token(request)
        account = self.account_name(token)
        if account is None:
            title = "Invalid or expired API key"
            message = "Please check your API key and try again" if route.provider == APINFER else "Invalid API token"
            return json_response(401, error_body(route.provider, 401, message, title))
        request.token, request.account = token, self.store.account(account)
        try:
            return route.handler(self, request)
        except Invalid as exc:
            return json_response(422, invalid_body(route.provider, exc.detail))
        except ApiError as exc:
            return json_response(exc.status, error_body(route.provider, exc.status, exc.message, exc.title))

    def account_name(self, token: str) -> str | None:
        """Which remote account a token is: "" for SANDBOX_TOKEN itself, the suffix for
        `<SANDBOX_TOKEN>-<suffix>`, None (a 401) for anything else. Each account sees only its own objects."""
        if not token:
            return None
        if token == self.token:
            return ""
        prefix = f"{self.token}-"
        if self.token and token.startswith(prefix) and ACCOUNT_SUFFIX.fullmatch(token[len(prefix):]):
            return token[len(prefix):]
        return None

    # -- admin: no auth, never faulted, never counted ----------------------------------------
    def admin(self, request: Request) -> Response:
        action = f"{request.method} {request.path.rstrip('/')}"
        try:
            if action == "GET /_sandbox/health":
                return json_response(200, {"ok": True})
            if action == "GET /_sandbox/calls":
                return json_response(200, self.counters.snapshot())
            if action == "POST /_sandbox/reset":
                self.counters.reset()
                return json_response(200, self.counters.snapshot())
            if action in ("GET /_sandbox/config", "POST /_sandbox/config"):
                if request.method == "POST":
                    self.config.update(request.json())
                return json_response(200, asdict(self.config))
            if action in ("GET /_sandbox/credits", "POST /_sandbox/credits"):
                return self.admin_credits(request)
            if action == "GET /_sandbox/lifetimes":
                return self.admin_lifetimes(request)
        except (ValueError, TypeError, KeyError, AttributeError, Invalid) as exc:
            return json_response(400, {"detail": f"bad admin request: {exc}"})
        return json_response(404, {"detail": "Not Found"})

    def admin_credits(self, request: Request) -> Response:
        """Without a token: POST sets every account's balance, GET reads the bare token's.
        With `token` (in the body or the query): that one account's."""
        body = request.json() if request.method == "POST" else {}
        token = body.get("token", request.query.get("token"))
        account = "" if token is None else self.account_name(token)
        if account is None:
            raise ValueError("token is not a sandbox token")
        if request.method == "POST":
            self.store.set_credits(_checked("credits", body["credits"]), None if token is None else account)
        return json_response(200, {"credits": self.store.credits(account)})

    def admin_lifetimes(self, request: Request) -> Response:
        """When each remote job of `kind` was created and reached its final status; with `token`, that account's."""
        kind, token = request.query.get("kind"), request.query.get("token")
        if kind not in JOB_KINDS:
            raise ValueError(f"kind must be one of {', '.join(JOB_KINDS)}")
        account = None if token is None else self.account_name(token)
        if token is not None and account is None:
            raise ValueError("token is not a sandbox token")
        lifetimes = [{"id": obj_id, "account": owner, "created": doc["timeline"][0][0],
                      "finished": doc["timeline"][-1][0], "status": doc["timeline"][-1][1]}
                     for obj_id, owner, doc in self.store.every(kind) if account in (None, owner)]
        return json_response(200, {"kind": kind, "now": time.time(), "lifetimes": lifetimes})

    # -- the object store behind every pre-signed link ---------------------------------------
    def object_store(self, request: Request) -> Response:
        key = unquote(request.path[len("/files/"):])
        problem = self.signer.check(request.method, key, request.query)
        if problem:
            return _s3_error(403, *problem)
        spec = self.store.media(key)
        if spec is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        uploaded = files.serve(self, request, spec, key)
        if uploaded is not None:
            return uploaded
        extension = key.rsplit(".", 1)[-1].lower()
        content_type = CONTENT_TYPES.get(extension) or mimetypes.guess_type(key)[0] or "application/octet-stream"
        return Response(200, self.media_bytes(key), content_type)


def _presented_token(request: Request) -> str:
    value = request.headers.get("authorization", "").strip()
    scheme, _, rest = value.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else value


def _no_route(path_known: bool) -> Response:
    if path_known:
        return json_response(405, {"detail": "Method Not Allowed"})
    return json_response(404, {"detail": "Not Found"})


def _s3_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{random.getrandbits(64):016X}</RequestId></Error>"
    )
    return Response(status, body.encode(), "application/xml")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a thousand-call fault run stays fast
    disable_nagle_algorithm = True  # headers and body go out as separate writes; don't wait for ACKs
    server_version = "NetMindSandbox/1.0"

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        try:
            response = self.server.sandbox.handle(request)
        except Exception:
            log.exception("sandbox handler crashed on %s %s", self.command, self.path)
            response = json_response(500, {"detail": "Internal Server Error"})
        if response is None:
            self._drop()
        else:
            self._send(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def _send(self, response: Response):
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _drop(self):
        """Close the socket without a byte of response, like a proxy that gave up."""
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def log_message(self, format, *args):
        log.info("%s - %s", self.address_string(), format % args)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox):
        super().__init__(address, Handler)
        self.sandbox = sandbox


def serve(sandbox: Sandbox, host: str, port: int, ready=None):
    """Run until interrupted; `ready` (if given) is called once the socket is listening."""
    server = SandboxServer((host, port), sandbox)
    if ready:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        sandbox.store.close()
