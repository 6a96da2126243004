"""Every provider shape becomes a console dataclass here, and only here.

Rules: unknown status words never raise (state None, word kept); both timestamp formats become
aware UTC datetimes; both generation result schemas become `RemoteOutput`s; anything that looks
like a credential in an echoed request is dropped before it can reach a row, a page or a log.
Missing identifiers raise `BadResponse` — without them nothing can be tracked.
"""

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from .errors import BadResponse
from .types import (
    CANCELLED,
    FAILED,
    OUTPUT_KINDS,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    ApinferGeneration,
    ApinferImageResult,
    ApinferVideoJob,
    FileUpload,
    Flavor,
    Generation,
    HaiperJob,
    HaiperJobPage,
    RemoteFile,
    RemoteOutput,
    Service,
)

STATE_BY_STATUS_WORD = {
    "pending": QUEUED,
    "queued": QUEUED,
    "initializing": QUEUED,
    "processing": RUNNING,
    "completed": SUCCEEDED,
    "succeed": SUCCEEDED,
    "succeeded": SUCCEEDED,
    "failed": FAILED,
    "error": FAILED,
    "cancelled": CANCELLED,
}

_KIND_BY_EXTENSION = {
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"), "image"),
    **dict.fromkeys((".mp4", ".webm", ".mov", ".mkv", ".avi"), "video"),
    **dict.fromkeys((".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac"), "audio"),
}

_SECRET_KEY = re.compile(r"token|secret|password|passwd|authorization|api[_-]?key|credential", re.IGNORECASE)

# Apinfer payloads are replaced by references before parsing (see payloads.py); this writes one to
# disk under a file stem and returns the decoded file's path.
BlobWriter = Callable[[Any, str], Path]


def state_for(raw_status: Any) -> str | None:
    """The console state for a provider's status word; None for a word not seen before."""
    if not isinstance(raw_status, str):
        return None
    return STATE_BY_STATUS_WORD.get(raw_status.strip().lower())


def parse_timestamp(value: Any) -> datetime | None:
    """`2025-09-18 09:14:20`, `2024-12-10T15:14:12.445307` or epoch seconds → aware UTC; else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def without_secrets(value: Any) -> Any:
    """A deep copy of `value` minus every key that looks like it holds a credential."""
    if isinstance(value, Mapping):
        return {k: without_secrets(v) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value


# --- NetMind: generations ------------------------------------------------------------------------


def generation(obj: Any) -> Generation:
    obj = _mapping(obj, "generation")
    raw_status = _text(obj.get("status"))
    logs = _log_lines(obj.get("logs"))
    state = state_for(raw_status)
    return Generation(
        id=_required_id(obj, "id", "generation"),
        state=state,
        raw_status=raw_status,
        created_at=parse_timestamp(obj.get("created_at")),
        updated_at=parse_timestamp(obj.get("updated_at")),
        outputs=_generation_outputs(obj),
        failure_message=_failure_message(state, logs, obj.get("meta_info")),
        logs=logs,
        pending_duration=_number(obj.get("pending_duration")),
        processing_duration=_number(obj.get("processing_duration")),
        model_id=obj.get("model_id"),
        backend_id=_optional_text(obj.get("backend_id")),
    )


def generation_list(body: Any) -> tuple[Generation, ...]:
    return tuple(generation(item) for item in _list_field(body, "generation_list"))


def _generation_outputs(obj: Mapping) -> tuple[RemoteOutput, ...]:
    """Newer schema: `result.data[]`; older schema: `meta_info.result_download_url` (+ file_id)."""
    result = obj.get("result")
    if isinstance(result, Mapping) and isinstance(result.get("data"), list):
        return tuple(_newer_schema_output(item) for item in result["data"] if _has_url(item, "url"))
    meta_info = obj.get("meta_info")
    if isinstance(meta_info, Mapping) and meta_info.get("result_download_url"):
        url = str(meta_info["result_download_url"])
        return (RemoteOutput(url=url, kind=_kind(None, url), remote_file_id=_optional_text(meta_info.get("file_id"))),)
    return ()


def _newer_schema_output(item: Mapping) -> RemoteOutput:
    url = str(item["url"])
    return RemoteOutput(
        url=url,
        kind=_kind(item.get("file_type"), url),
        remote_file_id=_optional_text(item.get("file_id")),
        file_name=_optional_text(item.get("file_name")),
    )


# --- NetMind: legacy Haiper jobs -----------------------------------------------------------------


def haiper_job(obj: Any, kind: str) -> HaiperJob:
    """`kind` ('video' | 'image') comes from which API was called: outputs do not say."""
    obj = _mapping(obj, "job")
    raw_status = _text(obj.get("status"))
    state = state_for(raw_status)
    meta_info = _sub_mapping(obj, "meta_info")  # only what is picked below survives: it echoes the token
    original_request = without_secrets(_sub_mapping(meta_info, "original_request"))
    outputs = obj.get("outputs") if isinstance(obj.get("outputs"), list) else []
    return HaiperJob(
        job_id=_required_id(obj, "job_id", "job"),
        kind=kind,
        job_type=_optional_text(original_request.get("job_type")),
        state=state,
        raw_status=raw_status,
        created_at=parse_timestamp(obj.get("created_at")),
        updated_at=parse_timestamp(obj.get("updated_at")),
        outputs=tuple(_haiper_output(item, kind) for item in outputs if _has_url(item, "media_url")),
        failure_message=_failure_message(state, _log_lines(obj.get("logs")), meta_info),
        model_id=meta_info.get("model_id"),
        original_request=original_request,
    )


def haiper_job_page(body: Any, kind: str) -> HaiperJobPage:
    items = tuple(haiper_job(item, kind) for item in _list_field(body, "job_list"))
    total_count = _integer(body.get("total_count"))
    return HaiperJobPage(total_count=len(items) if total_count is None else total_count, items=items)


def _haiper_output(item: Mapping, kind: str) -> RemoteOutput:
    return RemoteOutput(
        url=str(item["media_url"]),
        kind=kind,
        thumbnail_url=_optional_text(item.get("thumbnail_url")),
        remote_file_id=_optional_text(item.get("id")),
    )


# --- NetMind: dedicated endpoints ----------------------------------------------------------------


def flavor(obj: Any) -> Flavor:
    obj = _mapping(obj, "flavor")
    meta_info = _sub_mapping(obj, "meta_info")
    billing = _sub_mapping(obj, "billing")
    return Flavor(
        flavor_id=_required_id(obj, "flavor_id", "flavor"),
        display_name=_text(obj.get("display_name")),
        cluster_id=_optional_text(obj.get("cluster_id")),
        cluster_flavor_id=_optional_text(obj.get("cluster_flavor_id")),
        cuda=_optional_text(meta_info.get("cuda")),
        region=_optional_text(meta_info.get("region")),
        usd_per_gpu_hour=_decimal(billing.get("usd_price_unit")),
        cny_per_gpu_hour=_decimal(billing.get("cny_price_unit")),
        nmt_per_gpu_hour=_decimal(billing.get("nmt_price_unit")),
        available_num=_integer(obj.get("available_num")),
        node_max_gpu=_integer(obj.get("node_max_gpu")),
    )


def flavor_list(body: Any) -> tuple[Flavor, ...]:
    return tuple(flavor(item) for item in _list_field(body, "flavor_list"))


def service(obj: Any) -> Service:
    obj = _mapping(obj, "service")
    resources = _sub_mapping(obj, "resource_metadata")
    return Service(
        service_id=_required_id(obj, "service_id", "service"),
        name=_text(obj.get("name")),
        description=_text(obj.get("description")),
        status=_text(obj.get("status")),
        status_info=_status_info(obj.get("status_info")),
        flavor_id=_optional_text(resources.get("flavor_id")),
        resource_display_name=_optional_text(resources.get("resource_display_name")),
        scale_type=_optional_text(resources.get("scale_type")),
        target_instance_number=_integer(resources.get("target_instance_number")),
        vram=_optional_text(resources.get("VRAM")),
        image_size=_optional_text(resources.get("image_size")),
        payment_type=_optional_text(obj.get("payment_type")),
        created_at=parse_timestamp(obj.get("created_at")),
        updated_at=parse_timestamp(obj.get("updated_at")),
        endpoint_url=_optional_text(_sub_mapping(obj, "endpoint_metadata").get("endpoint_url")),
        endpoint_metadata=without_secrets(_sub_mapping(obj, "endpoint_metadata")),
        billing_metadata=without_secrets(_sub_mapping(obj, "billing_metadata")),
        deploy_metadata=without_secrets(_sub_mapping(obj, "deploy_metadata")),
    )


def _status_info(value: Any) -> str | None:
    """Why a service is in its state: free text, or `{reason, message}`."""
    if isinstance(value, Mapping):
        return _optional_text(value.get("message") or value.get("reason"))
    return _optional_text(value)


# --- NetMind: files ------------------------------------------------------------------------------


def file_upload(body: Any) -> FileUpload:
    body = _mapping(body, "file")
    presigned_url = body.get("presigned_url")
    if not isinstance(presigned_url, str) or not presigned_url:
        raise BadResponse("The created file has no presigned_url.")
    return FileUpload(id=_required_id(body, "id", "file"), presigned_url=presigned_url)


def remote_file(obj: Any) -> RemoteFile:
    obj = _mapping(obj, "file")
    return RemoteFile(
        id=_required_id(obj, "id", "file"),
        file_name=_optional_text(obj.get("file_name", obj.get("filename"))),
        purpose=_optional_text(obj.get("purpose")),
        size=_integer(obj.get("bytes", obj.get("size"))),
        status=_optional_text(obj.get("status")),
        created_at=parse_timestamp(obj.get("created_at")),
    )


def file_list(body: Any) -> tuple[RemoteFile, ...]:
    """The documented answer is a bare list; a wrapped `{"data": [...]}` is accepted too."""
    items = body if isinstance(body, list) else _list_field(body, "data")
    return tuple(remote_file(item) for item in items)


def presigned_url(body: Any) -> str:
    if isinstance(body, str) and body:
        return body
    body = _mapping(body, "presigned URL answer")
    for key in ("presigned_url", "url"):
        if isinstance(body.get(key), str) and body[key]:
            return body[key]
    raise BadResponse("The answer carries no presigned_url.")


# --- Apinfer -------------------------------------------------------------------------------------


def apinfer_image_result(body: Any, write_blob: BlobWriter) -> ApinferImageResult:
    data = _apinfer_data(body)
    images = data.get("images")
    if not isinstance(images, list) or not images:
        raise BadResponse("The image answer carries no images.")
    return ApinferImageResult(
        paths=tuple(write_blob(image, f"apinfer-image-{index}") for index, image in enumerate(images, start=1)),
        seed=_integer(data.get("seed")),
        model=_optional_text(data.get("model")),
        processing_time_ms=_integer(data.get("processing_time")),
        credit_cost=_decimal(data.get("credit_cost")),
        message=_optional_text(body.get("message")),
    )


def apinfer_video_job(body: Any) -> ApinferVideoJob:
    data = _apinfer_data(body)
    raw_status = _text(data.get("status"))
    return ApinferVideoJob(
        job_id=_required_id(data, "job_id", "video job"),
        state=state_for(raw_status),
        raw_status=raw_status,
        credit_cost=_decimal(data.get("credit_cost")),
        message=_optional_text(body.get("message")),
    )


def apinfer_generation(body: Any, job_id: str, write_blob: BlobWriter) -> ApinferGeneration:
    """Pending and done answers carry `data`; a failed one is `success: false` with words instead."""
    body = _mapping(body, "generation")
    if body.get("success") is False:
        return _failed_apinfer_generation(body, job_id)
    data = _apinfer_data(body)
    raw_status = _text(data.get("status"))
    state = state_for(raw_status)
    result = _sub_mapping(data, "result")
    video = result.get("video")
    return ApinferGeneration(
        job_id=job_id,
        state=state,
        raw_status=raw_status,
        kind=_optional_text(data.get("type")),
        model=_optional_text(data.get("model")),
        video_path=write_blob(video, "apinfer-video") if state == SUCCEEDED and video else None,
        seed=_integer(result.get("seed")),
        credit_cost=_decimal(data.get("credit_cost")),
        failure_message=_optional_text(data.get("error") or data.get("message")) if state == FAILED else None,
    )


def _failed_apinfer_generation(body: Mapping, job_id: str) -> ApinferGeneration:
    data = _sub_mapping(body, "data")
    raw_status = _text(data.get("status")) or "failed"
    return ApinferGeneration(
        job_id=job_id,
        state=state_for(raw_status),
        raw_status=raw_status,
        kind=_optional_text(data.get("type")),
        model=_optional_text(data.get("model")),
        video_path=None,
        seed=None,
        credit_cost=_decimal(data.get("credit_cost")),
        failure_message=_optional_text(body.get("message") or body.get("error")) or "Generation failed",
    )


def _apinfer_data(body: Any) -> Mapping:
    body = _mapping(body, "answer")
    data = body.get("data")
    if body.get("success") is False or not isinstance(data, Mapping):
        raise BadResponse("The answer carries no data.")
    return data


# --- error bodies --------------------------------------------------------------------------------


def provider_message(body: Any) -> str:
    """The provider's own explanation in an error body, in whichever key it used."""
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error", "msg"):
            if isinstance(body.get(key), str) and body[key].strip():
                return body[key].strip()
    return ""


def field_messages(body: Any) -> dict[str, str]:
    """FastAPI `{"detail": [{"loc": [...], "msg": ...}]}` by field; any other message under `__all__`."""
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if isinstance(detail, list):
        messages = {}
        for error in detail:
            if isinstance(error, Mapping):
                messages.setdefault(_field_path(error.get("loc")), _text(error.get("msg")) or "is invalid")
        if messages:
            return messages
    message = provider_message(body)
    return {"__all__": message} if message else {}


def _field_path(loc: Any) -> str:
    """`["body", "config", "prompt"]` → `config.prompt`: the request part is not a field."""
    parts = [str(part) for part in loc] if isinstance(loc, list) else []
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    return ".".join(parts) or "__all__"


# --- small readers -------------------------------------------------------------------------------


def _mapping(value: Any, what: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise BadResponse(f"Expected a {what} object, got {type(value).__name__}.")
    return value


def _sub_mapping(obj: Mapping, key: str) -> dict:
    value = obj.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def _list_field(body: Any, key: str) -> list:
    items = _mapping(body, "list answer").get(key)
    if not isinstance(items, list):
        raise BadResponse(f"The answer has no '{key}' list.")
    return items


def _required_id(obj: Mapping, key: str, what: str) -> str:
    value = obj.get(key)
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
        return str(value)
    raise BadResponse(f"The {what} has no '{key}'.")


def _has_url(item: Any, key: str) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get(key), str) and bool(item[key])


def _kind(file_type: Any, url: str) -> str | None:
    if isinstance(file_type, str) and file_type.lower() in OUTPUT_KINDS:
        return file_type.lower()
    return _KIND_BY_EXTENSION.get(PurePosixPath(urlsplit(url).path).suffix.lower())


def _log_lines(logs: Any) -> tuple[str, ...]:
    if not isinstance(logs, list):
        return ()
    lines = (entry.get("text") if isinstance(entry, Mapping) else entry for entry in logs)
    return tuple(line.strip() for line in lines if isinstance(line, str) and line.strip())


def _failure_message(state: str | None, logs: tuple[str, ...], meta_info: Any) -> str | None:
    """Why it failed: the logs (newer schema), else `meta_info.error_message` (older, Haiper)."""
    if state != FAILED:
        return None
    error_message = meta_info.get("error_message") if isinstance(meta_info, Mapping) else None
    return "\n".join(logs) or _optional_text(error_message)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _integer(value: Any) -> int | None:
    number = _number(value)
    try:
        return None if number is None else int(number)
    except (OverflowError, ValueError):  # inf, nan
        return None


def _decimal(value: Any) -> Decimal | None:
    """Prices and credits as Decimal, via str so 0.3 stays 0.3 in spend sums."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
