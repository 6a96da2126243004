"""Request/response plumbing shared by the sandbox's API modules: routes, bodies, errors."""

import hashlib
import json
import re
from dataclasses import dataclass, field

from .validation import Invalid

NETMIND = "netmind"
APINFER = "apinfer"
FAIL_MARKER = "[fail]"


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    base_url: str  # scheme://host[:port] as the client reached us, for links we hand out
    params: dict = field(default_factory=dict)
    token: str = ""  # the token presented, once accepted
    account: object = None  # the store as that token's remote account sees it (store.Account)

    def json(self):
        """The parsed body; a missing or broken body fails validation like FastAPI's."""
        if not self.body.strip():
            raise Invalid([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Invalid([{"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error",
                            "input": {}, "ctx": {"error": str(exc)}}]) from None  # fmt: skip


def user_id(request: Request) -> str:
    """The remote account's user id, as the providers show it on every object."""
    name = request.account.name if request.account else ""
    return f"sandbox-user-{hashlib.sha256(name.encode()).hexdigest()[:12]}" if name else "sandbox-user"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict = field(default_factory=dict)


def json_response(status: int, data, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json", headers or {})


class ApiError(Exception):
    """An error answer; each provider words it its own way (see error_body)."""

    def __init__(self, status: int, message: str, title: str = ""):
        super().__init__(message)
        self.status, self.message, self.title = status, message, title


def error_body(provider: str, status: int, message, title: str = "") -> dict:
    if provider == APINFER:
        return {"success": False, "error": title or "Request failed", "message": message}
    return {"detail": message}


def invalid_body(provider: str, detail: list[dict]) -> dict:
    """FastAPI's 422 shape; Apinfer's envelope carries the same list so clients can read either way."""
    if provider == APINFER:
        first = detail[0]
        message = f"{'.'.join(str(part) for part in first['loc'][1:]) or 'body'}: {first['msg']}"
        return {**error_body(APINFER, 422, message, "Invalid request"), "detail": detail}
    return {"detail": detail}


@dataclass
class Route:
    method: str
    template: str  # e.g. "/v1/generation/{id}"; also the name calls are counted under
    handler: object
    provider: str = NETMIND
    pattern: re.Pattern = field(init=False)

    def __post_init__(self):
        regex = re.escape(self.template).replace(r"/\{path\}", r"(?:/(?P<path>.*))?")
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        self.pattern = re.compile(f"^{regex}$")


class Router:
    def __init__(self, routes: list[Route]):
        self.routes = routes

    def match(self, method: str, path: str) -> tuple[Route | None, dict, bool]:
        """(route, params, path_known): path_known tells 405 from 404 when no route matched."""
        path_known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                path_known = True
                if route.method == method:
                    return route, found.groupdict(), True
        return None, {}, path_known
