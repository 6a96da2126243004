"""Apinfer: a synchronous image call and an asynchronous video job, paid for in credits."""

import base64
import hashlib
import threading
import time
import uuid

from . import lifecycle
from .media import MAX_SECONDS, MAX_STILL_SIDE, encode_still, fit, still
from .validation import Field, validate
from .web import APINFER, FAIL_MARKER, ApiError, Route, json_response

KIND = "apinfer-video"
IMAGE_COST = 1
VIDEO_COST = 10
IMAGE_SECONDS = 2.5  # how long the synchronous image call takes at --speed 1
STEPS = [(0, "queued"), (0.2, "processing")]
FAILURE = f"The prompt contains the {FAIL_MARKER} marker (sandbox-simulated failure)"

IMAGE = {
    "prompt": Field("str", required=True),
    "negative_prompt": Field("str", default=""),
    "width": Field("int", default=1024),
    "height": Field("int", default=1024),
    "seed": Field("int", default=None),
    "model": Field("str", default="qwen-image"),
}
VIDEO = {
    "image": Field("str", default=None),
    "prompt": Field("str", required=True),
    "negative_prompt": Field("str", default=""),
    "video_length": Field("int", default=60),
    "fps": Field("int", default=20),
    "width": Field("int", default=1280),
    "height": Field("int", default=720),
    "seed": Field("int", default=None),
    "model": Field("str", default="wan2.2"),
}
_charging = threading.Lock()  # a success is charged exactly once, however many polls race to see it


def _seed(body: dict) -> int:
    if body["seed"] is not None:
        return body["seed"]
    return int(hashlib.sha256(f"{body['prompt']}{time.time_ns()}".encode()).hexdigest()[:7], 16)


def _require(account, cost: int, what: str):
    balance = account.credits()
    if balance < cost:
        raise ApiError(402, f"You need {cost} credits for {what}. You have {balance} credits.", "Insufficient credits")


def _positive_size(body: dict) -> tuple[int, int]:
    if body["width"] <= 0 or body["height"] <= 0:
        raise ApiError(400, "width and height must be positive", "Invalid request")
    return body["width"], body["height"]


def generate_image(app, request):
    body = validate(IMAGE, request.json())
    width, height = _positive_size(body)
    what = f"{width}x{height} image"
    _require(request.account, IMAGE_COST, what)
    started = time.monotonic()
    time.sleep(IMAGE_SECONDS / app.config.speed)
    if FAIL_MARKER in body["prompt"]:
        raise ApiError(400, FAILURE, "Generation failed")
    seed = _seed(body)
    png = encode_still(still(body["prompt"], seed, *fit(width, height, MAX_STILL_SIDE)), "png")
    if not request.account.charge(IMAGE_COST):  # spent by a concurrent call meanwhile
        _require(request.account, IMAGE_COST, what)
    return json_response(200, {
        "success": True,
        "data": {
            "images": [base64.b64encode(png).decode()],
            "seed": seed,
            "model": body["model"],
            "processing_time": round((time.monotonic() - started) * 1000),
            "credit_cost": IMAGE_COST,
        },
        "message": "Successfully generated 1 image(s)",
    })  # fmt: skip


def generate_video(app, request):
    body = validate(VIDEO, request.json())
    width, height = _positive_size(body)
    _require(request.account, VIDEO_COST, f"a {width}x{height} video")
    job_id, now = str(uuid.uuid4()), time.time()
    seconds = min(body["video_length"] / max(body["fps"], 1), MAX_SECONDS)
    clip_width, clip_height = fit(width, height, 320)
    seed = _seed(body)
    spec = {"kind": "video", "prompt": body["prompt"], "seed": seed, "seconds": seconds}
    app.store.add_media(f"{KIND}/{job_id}.mp4", {**spec, "width": clip_width, "height": clip_height})
    final = "failed" if FAIL_MARKER in body["prompt"] else "succeeded"
    duration = lifecycle.DURATIONS["video"] / app.config.speed
    doc = {"job_id": job_id, "model": body["model"], "seed": seed, "charged": False,
           "timeline": lifecycle.build(now, duration, STEPS + [(1, final)])}  # fmt: skip
    request.account.add(KIND, job_id, doc)
    return json_response(202, {
        "success": True,
        "data": {"job_id": job_id, "status": "queued", "credit_cost": VIDEO_COST},
        "message": f"Video generation enqueued using model {body['model']}",
    })  # fmt: skip


def generation(app, request):
    doc = request.account.found(KIND, request.params["id"], f"Generation {request.params['id']} not found", "Not found")
    status = lifecycle.status_at(doc["timeline"])
    if status == "failed":
        return json_response(200, {"success": False, "error": "Generation failed", "message": FAILURE})
    if status != "succeeded":
        return json_response(200, {"success": True, "data": {"status": status}})
    _charge_once(request.account, doc)
    video = app.media_bytes(f"{KIND}/{doc['job_id']}.mp4")
    return json_response(200, {
        "success": True,
        "data": {
            "status": "succeeded",
            "type": "video",
            "model": doc["model"],
            "result": {"video": base64.b64encode(video).decode(), "seed": doc["seed"]},
            "credit_cost": VIDEO_COST,
        },
    })  # fmt: skip


def _charge_once(account, doc: dict):
    """Credits are taken when a video succeeds; a balance spent meanwhile just drops to zero."""
    with _charging:
        current = account.get(KIND, doc["job_id"])
        if current["charged"]:
            return
        if not account.charge(VIDEO_COST):
            account.set_credits(0)
        current["charged"] = True
        account.save(KIND, doc["job_id"], current)


ROUTES = [
    Route("POST", "/api/v1/generate-image", generate_image, APINFER),
    Route("POST", "/api/generate-video", generate_video, APINFER),
    Route("GET", "/api/generations/{id}", generation, APINFER),
]
