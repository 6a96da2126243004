"""NetMind's legacy Haiper video and image jobs."""

import time
import uuid
from dataclasses import dataclass

from . import lifecycle
from .media import MAX_SECONDS, MAX_STILL_SIDE, aspect_size
from .validation import Field, Invalid, obj, validate
from .web import FAIL_MARKER, Route, json_response, user_id

FAILURE = f"Job failed: the prompt contains the {FAIL_MARKER} marker (sandbox-simulated failure)"
STEPS = [(0, "initializing"), (0.2, "processing")]

VIDEO_CONFIG = {
    "prompt": Field("str", required=True),
    "negative_prompt": Field("str", default=None),
    "settings": obj({
        "seed": Field("int", default=-1),
        "aspect_ratio": Field("str", default="16:9"),
        "resolution": Field("int", default=720),
        "duration": Field("int", default=4),
    }),
    "gen_mode": Field("str", default="standard"),
    "is_public": Field("bool", default=True),  # the provider's default; the console must send false
    "use_ff_cond": Field("any", default=None),
    "is_enable_prompt_enhancer": Field("any", default=None),
}  # fmt: skip
IMAGE_CONFIG = {
    "prompt": Field("str", required=True),
    "negative_prompt": Field("str", default=None),
    "settings": obj({
        "seed": Field("int", default=-1),
        "resolution": Field("int", default=720),
        "aspect_ratio": Field("str", default="1:1"),
    }),
    "config": obj({"image_number": Field("int", default=1)}),
}  # fmt: skip


@dataclass(frozen=True)
class JobKind:
    name: str  # "video" or "image"
    model_id: int
    config: dict

    @property
    def store_kind(self):
        return f"haiper-{self.name}"

    def outputs(self, job_id: str, config: dict, seed: int) -> list[dict]:
        """[{key, spec, thumbnail}] for each output file this job will have."""
        settings = config["settings"]
        if self.name == "video":
            width, height = aspect_size(settings["aspect_ratio"], 320)
            seconds = min(max(settings["duration"] or 4, 1), MAX_SECONDS)
            spec = {"prompt": config["prompt"], "seed": seed, "width": width, "height": height, "seconds": seconds}
            key = f"{self.store_kind}/{job_id}/0.mp4"
            return [{"key": key, "spec": {**spec, "kind": "video"}, "thumbnail": f"{key}.thumbnail",
                     "thumbnail_spec": {**spec, "kind": "thumbnail"}}]  # fmt: skip
        width, height = aspect_size(settings["aspect_ratio"], MAX_STILL_SIDE)
        count = min(max(config["config"]["image_number"] or 1, 1), 4)
        return [{"key": f"{self.store_kind}/{job_id}/{n}.jpg", "thumbnail": None,
                 "spec": {"kind": "image", "prompt": config["prompt"], "seed": seed + n, "width": width,
                          "height": height, "format": "jpeg"}} for n in range(count)]  # fmt: skip


VIDEO = JobKind("video", 81, VIDEO_CONFIG)
IMAGE = JobKind("image", 121, IMAGE_CONFIG)


def _create(kind: JobKind):
    def create(app, request):
        body = validate({"job_type": Field("str", required=True), "config": obj(kind.config, required=True)},
                        request.json())  # fmt: skip
        job_id, now = uuid.uuid4().hex, time.time()
        config = body["config"]
        seed = config["settings"]["seed"]
        outputs = kind.outputs(job_id, config, seed if seed not in (None, -1) else int(job_id[:8], 16))
        for output in outputs:
            app.store.add_media(output["key"], output["spec"])
            if output["thumbnail"]:
                app.store.add_media(output["thumbnail"], output["thumbnail_spec"])
        final = "failed" if FAIL_MARKER in config["prompt"] else "succeed"
        duration = lifecycle.DURATIONS[kind.name] / app.config.speed
        doc = {
            "job_id": job_id,
            "created": now,
            "request": body,
            "timeline": lifecycle.build(now, duration, STEPS + [(1, final)]),
            "outputs": [{"id": uuid.uuid4().hex, "key": o["key"], "thumbnail": o["thumbnail"]} for o in outputs],
        }
        request.account.add(kind.store_kind, job_id, doc)
        return json_response(200, present(app, request, kind, doc))

    return create


def present(app, request, kind: JobKind, doc: dict) -> dict:
    since, status = lifecycle.entry_at(doc["timeline"])
    meta_info = {"original_request": doc["request"], "model_id": kind.model_id}
    if kind is VIDEO:
        # The real API echoes the caller's token back; the console must never store or show it.
        meta_info["netmind_api_token"] = {
            "api_token": request.token,
            "api_token_id": 0,
            "user": {"user_id": user_id(request), "nickname": "sandbox@example.com", "currency": "USD"},
        }
    outputs = {}
    if status in ("succeed", "failed"):
        meta_info.update(order_id=doc["job_id"][::-1], update_at=lifecycle.spaced(since))
    if status == "failed":
        meta_info["error_message"] = FAILURE
    if status == "succeed":
        outputs = [_output(app, request, output) for output in doc["outputs"]]
    return {
        "job_id": doc["job_id"],
        "user_id": user_id(request),
        "name": "",
        "description": "",
        "payment_type": "usd",
        "status": status,
        "meta_info": meta_info,
        "created_at": lifecycle.iso(doc["created"]),
        "updated_at": lifecycle.iso(since),
        "deleted_at": None,
        "is_deleted": False,
        "outputs": outputs,
    }


def _output(app, request, output: dict) -> dict:
    shown = {"id": output["id"], "media_url": app.link(request, output["key"])}
    if output["thumbnail"]:  # image outputs carry no thumbnail at all, as in the real API
        shown["thumbnail_url"] = app.link(request, output["thumbnail"])
    return shown


def _found(app, request, kind: JobKind) -> dict:
    return request.account.found(kind.store_kind, request.params["id"], "Job not found")


def _retrieve(kind: JobKind):
    def retrieve(app, request):
        return json_response(200, present(app, request, kind, _found(app, request, kind)))

    return retrieve


def _listing(kind: JobKind):
    def listing(app, request):
        page, size = _positive(request.query, "page", 1), _positive(request.query, "page_size", 10)
        docs = request.account.list(kind.store_kind, limit=size, offset=(page - 1) * size)
        return json_response(200, {
            "total_count": request.account.count(kind.store_kind),
            "job_list": [present(app, request, kind, doc) for doc in docs],
        })  # fmt: skip

    return listing


def _positive(query: dict, name: str, default: int) -> int:
    value = query.get(name, default)
    try:
        number = int(value)
        assert number >= 1
    except (ValueError, AssertionError):
        raise Invalid([{"type": "greater_than_equal", "loc": ["query", name],
                        "msg": "Input should be greater than or equal to 1", "input": value}]) from None  # fmt: skip
    return number


def _delete(kind: JobKind):
    def delete(app, request):
        request.account.delete(kind.store_kind, _found(app, request, kind)["job_id"])
        return json_response(200, {})

    return delete


ROUTES = [
    route
    for kind in (VIDEO, IMAGE)
    for route in (
        Route("POST", f"/v1/netmind-{kind.name}-job", _create(kind)),
        Route("GET", f"/v1/netmind-{kind.name}-job", _listing(kind)),
        Route("GET", f"/v1/netmind-{kind.name}-job/{{id}}", _retrieve(kind)),
        Route("DELETE", f"/v1/netmind-{kind.name}-job/{{id}}", _delete(kind)),
    )
]
