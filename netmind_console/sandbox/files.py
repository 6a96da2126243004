"""NetMind files: register a name, PUT the bytes to a pre-signed link, then list/get/link/delete.

As NetMind's official SDK (`netmind` on PyPI) calls them: `POST /v1/files` with an optional `file-content-type`
header, a PUT whose Content-Type the object store keeps and serves back, `created_at` in epoch seconds.
"""

import mimetypes
import os
import re
import secrets
import string
import time

from .media import CONTENT_TYPES
from .validation import Field, validate
from .web import Response, Route, json_response


def _upload_ttl() -> int:
    """The documented validity of an upload link (about 2 h); SANDBOX_UPLOAD_TTL (seconds) shortens it, so a test
    can see an expired one refused."""
    value = os.environ.get("SANDBOX_UPLOAD_TTL", "").strip()
    if not value:
        return 2 * 3600
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"SANDBOX_UPLOAD_TTL must be a positive whole number of seconds, not {value!r}")
    return int(value)


KIND = "file"
UPLOAD_TTL = _upload_ttl()
ALPHABET = string.ascii_lowercase + string.digits


def create(app, request):
    body = validate({"file_name": Field("str", required=True), "purpose": Field("str", default="inference")},
                    request.json())  # fmt: skip
    file_id = "file-" + "".join(secrets.choice(ALPHABET) for _ in range(24))
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", body["file_name"]) or "upload"
    key = f"uploads/{file_id}/{safe_name}"
    app.store.add_media(key, {"kind": "upload", "file_id": file_id})
    doc = {"id": file_id, "file_name": body["file_name"], "purpose": body["purpose"], "key": key,
           "created": time.time(), "bytes": None,
           "content_type": request.headers.get("file-content-type", "").strip()[:200]}  # fmt: skip
    request.account.add(KIND, file_id, doc)
    return json_response(200, {"id": file_id, "presigned_url": app.link(request, key, "PUT", UPLOAD_TTL)})


def serve(app, request, spec: dict, key: str) -> Response | None:
    """The object store behind an upload's links, once the link's signature and expiry are checked: a PUT keeps the
    bytes and their Content-Type, a GET or HEAD serves them back with it. None: not an upload's key (a result's)."""
    if request.method == "PUT":
        return receive_upload(app, spec, key, request.body, request.headers.get("content-type", ""))
    if spec.get("kind") != "upload":
        return None
    doc = app.store.get(KIND, spec.get("file_id", ""))
    if doc is None or doc["bytes"] is None or not app.cache.path(key).exists():
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    return Response(200, app.cache.path(key).read_bytes(), doc.get("content_type") or _guessed_type(key))


def receive_upload(app, spec: dict, key: str, data: bytes, content_type: str = "") -> Response:
    """The PUT half of the object store: keep the bytes and mark the file uploaded. The Content-Type sent is what a
    download serves (as S3 keeps it); without one, the type named when the file was created, else its name's."""
    doc = app.store.get(KIND, spec.get("file_id", ""))  # the link is the credential, as on S3
    if doc is None:
        return _s3_error(403, "AccessDenied", "Not an upload link")
    app.cache.store(key, data)
    doc["bytes"] = len(data)
    doc["content_type"] = content_type.strip()[:200] or doc.get("content_type") or _guessed_type(key)
    app.store.save(KIND, doc["id"], doc)
    return Response(200, headers={"ETag": f'"{secrets.token_hex(16)}"'})


def _guessed_type(key: str) -> str:
    extension = key.rsplit(".", 1)[-1].lower()
    return CONTENT_TYPES.get(extension) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(status, body.encode(), "application/xml")


def present(doc: dict) -> dict:
    return {
        "id": doc["id"],
        "object": "file",
        "file_name": doc["file_name"],
        "purpose": doc["purpose"],
        "bytes": doc["bytes"],
        "status": "uploaded" if doc["bytes"] is not None else "pending",
        "created_at": int(doc["created"]),  # epoch seconds (API.md; the SDK's FileObject.created_at is an int)
    }


def listing(app, request):
    return json_response(200, [present(doc) for doc in request.account.list(KIND)])


def _found(app, request) -> dict:
    return request.account.found(KIND, request.params["id"], "File not found")


def retrieve(app, request):
    return json_response(200, present(_found(app, request)))


def download_link(app, request):
    doc = _found(app, request)
    return json_response(200, {"id": doc["id"], "presigned_url": app.link(request, doc["key"])})


def delete(app, request):
    request.account.delete(KIND, _found(app, request)["id"])
    return json_response(200, {"message": "File deleted"})


ROUTES = [
    Route("POST", "/v1/files", create),
    Route("GET", "/v1/files", listing),
    Route("GET", "/v1/files/{id}", retrieve),
    Route("GET", "/v1/files/{id}/presigned_url", download_link),
    Route("DELETE", "/v1/files/{id}", delete),
]
