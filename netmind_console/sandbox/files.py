"""NetMind files: register a name, PUT the bytes to a pre-signed link, then list/get/link/delete."""

import re
import secrets
import string
import time

from . import lifecycle
from .validation import Field, validate
from .web import Response, Route, json_response

KIND = "file"
UPLOAD_TTL = 2 * 3600  # the documented validity of an upload link
ALPHABET = string.ascii_lowercase + string.digits


def create(app, request):
    body = validate({"file_name": Field("str", required=True), "purpose": Field("str", default="inference")},
                    request.json())  # fmt: skip
    file_id = "file-" + "".join(secrets.choice(ALPHABET) for _ in range(24))
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", body["file_name"]) or "upload"
    key = f"uploads/{file_id}/{safe_name}"
    app.store.add_media(key, {"kind": "upload", "file_id": file_id})
    doc = {"id": file_id, "file_name": body["file_name"], "purpose": body["purpose"], "key": key,
           "created": time.time(), "bytes": None}  # fmt: skip
    request.account.add(KIND, file_id, doc)
    return json_response(200, {"id": file_id, "presigned_url": app.link(request, key, "PUT", UPLOAD_TTL)})


def receive_upload(app, spec: dict, key: str, data: bytes) -> Response:
    """The PUT half of the object store: keep the bytes and mark the file uploaded."""
    doc = app.store.get(KIND, spec.get("file_id", ""))  # the link is the credential, as on S3
    if doc is None:
        return Response(403, b"<Error><Code>AccessDenied</Code><Message>Not an upload link</Message></Error>",
                        "application/xml")  # fmt: skip
    app.cache.store(key, data)
    doc["bytes"] = len(data)
    app.store.save(KIND, doc["id"], doc)
    return Response(200, headers={"ETag": f'"{secrets.token_hex(16)}"'})


def present(doc: dict) -> dict:
    return {
        "id": doc["id"],
        "object": "file",
        "file_name": doc["file_name"],
        "purpose": doc["purpose"],
        "bytes": doc["bytes"],
        "status": "uploaded" if doc["bytes"] is not None else "pending",
        "created_at": lifecycle.spaced(doc["created"]),
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
