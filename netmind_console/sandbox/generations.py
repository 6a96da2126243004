"""NetMind asynchronous inference ("generations"), in the newer or the older result schema.

A model answers with media of its kind, or with text (texts.py): `result.data: [{"text": …}]`, in either schema.
"""

import time
import uuid

from . import lifecycle, texts
from .media import MAX_STILL_SIDE, aspect_size
from .validation import Field, Invalid, validate
from .web import FAIL_MARKER, ApiError, Route, json_response, user_id

KIND = "generation"

# model -> (output kind, numeric model_id shown by the older schema)
CATALOGUE = {
    "hkchengrex/MMAudio": ("audio", 84),
    "hunyuanvideo-community/HunyuanVideo": ("video", 85),
    "Qwen/Qwen-Image": ("image", 86),
    "openai/whisper": ("text", 87),
    "minimax/speech-02-hd": ("audio", 88),
}
# Other models (another catalogue document, an "advanced" config) are guessed from their name. Text first: its hints
# are the narrower ("speech-to-text" transcribes); a speech model (minimax/speech-02-hd) makes audio.
NAME_HINTS = (("text", ("whisper", "transcri", "asr", "llm", "caption", "speech-to-text", "stt")),
              ("audio", ("audio", "music", "sound", "tts", "speech")),
              ("video", ("video", "veo", "wan", "kling", "hunyuan", "sora", "seedance")))  # fmt: skip
IMAGE_SIZES = {
    "square_hd": "1:1",
    "square": "1:1",
    "landscape_4_3": "4:3",
    "landscape_16_9": "16:9",
    "portrait_3_4": "3:4",
    "portrait_9_16": "9:16",
}
DEFAULT_SECONDS = {"audio": 8, "video": 5}
WORK_SECONDS = {**lifecycle.DURATIONS, "text": 10.0}  # at --speed 1
EXTENSIONS = {"audio": "wav", "video": "mp4"}

BODY = {
    "model": Field("str", required=True),
    "config": Field("object", required=True, fields={
        "prompt": Field("str"),  # required unless the config carries an input: see _prompt_or_input
        "duration": Field("number"),
        "num_images": Field("int"),
        "seed": Field("int"),
        "output_format": Field("str", choices=("png", "jpeg")),
    }),
}  # fmt: skip

STEPS = [(0, "pending"), (0.2, "initializing"), (0.3, "processing")]
LOG_LINES = {
    "pending": "Generation queued",
    "initializing": "Worker assigned, loading model {model}",
    "processing": "Generating {kind}",
    "completed": "Generation completed",
    "failed": f"Generation failed: the prompt contains the {FAIL_MARKER} marker (sandbox-simulated failure)",
}
MISSING_PROMPT = {"type": "missing", "loc": ["body", "config", "prompt"], "msg": "Field required"}


def output_kind(model: str) -> str:
    if model in CATALOGUE:
        return CATALOGUE[model][0]
    if "/" not in model:
        raise ApiError(400, f"Model name: {model} not exists")
    lowered = model.lower()
    return next((kind for kind, words in NAME_HINTS if any(word in lowered for word in words)), "image")


def media_specs(kind: str, config: dict, gen_id: str) -> list[dict]:
    """What each result file will be; rendered only when first downloaded."""
    prompt = config.get("prompt") or ""
    seed = config.get("seed") or int(gen_id[:8], 16)
    if kind == "image":
        fmt = config.get("output_format") or "png"
        ratio = IMAGE_SIZES.get(config.get("image_size"), config.get("aspect_ratio") or "4:3")
        width, height = aspect_size(ratio, MAX_STILL_SIDE)
        count = min(max(config.get("num_images") or 1, 1), 4)
        return [{"kind": "image", "prompt": prompt, "seed": seed + n, "width": width, "height": height,
                 "format": fmt, "ext": "jpg" if fmt == "jpeg" else "png"} for n in range(count)]  # fmt: skip
    seconds = config.get("duration") or DEFAULT_SECONDS[kind]
    width, height = aspect_size(config.get("aspect_ratio") or "16:9", 320)
    return [{"kind": kind, "prompt": prompt, "seed": seed, "seconds": seconds, "width": width, "height": height,
             "ext": EXTENSIONS[kind]}]  # fmt: skip


def _prompt_or_input(config: dict):
    """A prompt, unless the model is given an input to work on (openai/whisper: `audio_url` and no prompt)."""
    if "prompt" not in config and not texts.input_urls(config):
        raise Invalid([{**MISSING_PROMPT, "input": config}])


def _text(app, model: str, config: dict) -> tuple[str, str]:
    """(text, why it failed): the text is made now, while its input can be fetched (the console deletes an
    uploaded clip once the job is final)."""
    inputs = texts.input_urls(config)
    try:
        given = texts.fetch_input(app, *next(iter(inputs.items()))) if inputs else None
    except texts.InputRefused as refused:
        return "", f"Generation failed: {refused}"
    return texts.answer(model, config, given), ""


def create(app, request):
    body = validate(BODY, request.json())
    model, config = body["model"], body["config"]
    _prompt_or_input(config)
    kind = output_kind(model)
    gen_id, now = uuid.uuid4().hex, time.time()
    text, failure = _text(app, model, config) if kind == "text" else ("", "")
    final = "failed" if failure or FAIL_MARKER in (config.get("prompt") or "") else "completed"
    duration = WORK_SECONDS[kind] / app.config.speed
    outputs = []
    for n, spec in enumerate(media_specs(kind, config, gen_id) if kind != "text" else []):
        key = f"generation/{gen_id}/{n}.{spec['ext']}"
        app.store.add_media(key, spec)
        outputs.append({"key": key, "file_id": f"file-{uuid.uuid4().hex[:24]}", "file_type": kind})
    doc = {
        "id": gen_id,
        "model": model,
        "kind": kind,
        "created": now,
        "timeline": lifecycle.build(now, duration, STEPS + [(1, final)]),
        "outputs": outputs,
        "text": text,
        "failure": failure,
        "backend_id": uuid.uuid4().hex,
    }
    request.account.add(KIND, gen_id, doc)
    return json_response(200, present(app, request, doc))


def present(app, request, doc: dict) -> dict:
    now = time.time()
    status_since, status = lifecycle.entry_at(doc["timeline"], now)
    shown = {
        "id": doc["id"],
        "user_id": user_id(request),
        "status": status,
        "created_at": lifecycle.spaced(doc["created"]),
        "updated_at": lifecycle.spaced(status_since),
        "deleted_at": None,
        "is_deleted": False,
    }
    done = status == "completed"
    links = [app.link(request, output["key"]) for output in doc["outputs"]] if done else []
    if app.config.schema == "old":
        return {**shown, **_older(doc, status, links)}
    return {**shown, **_newer(doc, status, links, now)}


def _text_data(doc, status) -> list[dict]:
    """A text model's result, in either schema."""
    return [{"text": doc["text"]}] if doc["kind"] == "text" and status == "completed" else []


def _log_line(doc, word) -> str:
    if word == "failed" and doc.get("failure"):
        return doc["failure"]
    return LOG_LINES[word].format(model=doc["model"], kind=doc["kind"])


def _newer(doc, status, links, now) -> dict:
    data = [{"url": url, "file_id": output["file_id"], "file_name": "", "file_type": output["file_type"]}
            for url, output in zip(links, doc["outputs"])]  # fmt: skip
    data += _text_data(doc, status)
    timeline = doc["timeline"]
    started = lifecycle.reached_at(timeline, "initializing")
    finished = timeline[-1][0]
    return {
        "result": {"data": data} if data else {},
        "logs": [{"text": _log_line(doc, word)} for at, word in timeline if at <= now],
        "pending_duration": round(min(now, started) - doc["created"], 3),
        "processing_duration": round(min(now, finished) - started, 3) if now >= started else None,
    }


def _older(doc, status, links) -> dict:
    meta_info = {}
    if links:
        meta_info = {"file_id": doc["outputs"][0]["file_id"], "result_download_url": links[0]}
    elif status == "failed":
        meta_info = {"error_message": _log_line(doc, "failed")}
    older = {
        "model_id": CATALOGUE.get(doc["model"], (None, 99))[1],
        "backend_id": None if status == "pending" else doc["backend_id"],
        "payment_type": "usd",
        "meta_info": meta_info,
    }
    text = _text_data(doc, status)
    return {**older, "result": {"data": text}} if text else older


def _found(app, request) -> dict:
    return request.account.found(KIND, request.params["id"], "Generation not found")


def retrieve(app, request):
    return json_response(200, present(app, request, _found(app, request)))


def listing(app, request):
    return json_response(200, {"generation_list": [present(app, request, doc) for doc in request.account.list(KIND)]})


def delete(app, request):
    request.account.delete(KIND, _found(app, request)["id"])
    return json_response(200, {"message": "Generation deleted"})


ROUTES = [
    Route("POST", "/v1/generation", create),
    Route("GET", "/v1/generation", listing),
    Route("GET", "/v1/generation/{id}", retrieve),
    Route("DELETE", "/v1/generation/{id}", delete),
]
