"""NetMind's shapes: generations (both result schemas), legacy Haiper jobs, dedicated endpoints, files.

Missing identifiers raise `BadResponse`: without them nothing can be tracked.
"""

from collections.abc import Mapping
from typing import Any

from ..errors import BadResponse
from ..types import (
    TEXT,
    FileUpload,
    Flavor,
    Generation,
    HaiperJob,
    HaiperJobPage,
    RemoteFile,
    RemoteOutput,
    Service,
)
from .readers import (
    as_decimal,
    as_integer,
    as_mapping,
    as_number,
    as_text,
    failure_message,
    has_url,
    kind_of,
    list_field,
    log_lines,
    optional_text,
    parse_timestamp,
    required_id,
    state_for,
    sub_mapping,
    without_secrets,
)


def generation(obj: Any) -> Generation:
    obj = as_mapping(obj, "generation")
    raw_status = as_text(obj.get("status"))
    logs = log_lines(obj.get("logs"))
    state = state_for(raw_status)
    return Generation(
        id=required_id(obj, "id", "generation"),
        state=state,
        raw_status=raw_status,
        created_at=parse_timestamp(obj.get("created_at")),
        updated_at=parse_timestamp(obj.get("updated_at")),
        outputs=_generation_outputs(obj),
        failure_message=failure_message(state, logs, obj.get("meta_info")),
        logs=logs,
        pending_duration=as_number(obj.get("pending_duration")),
        processing_duration=as_number(obj.get("processing_duration")),
        model_id=obj.get("model_id"),
        backend_id=optional_text(obj.get("backend_id")),
    )


def generation_list(body: Any) -> tuple[Generation, ...]:
    return tuple(generation(item) for item in list_field(body, "generation_list"))


def _generation_outputs(obj: Mapping) -> tuple[RemoteOutput, ...]:
    """Newer schema: `result.data[]`; older schema: `meta_info.result_download_url` (+ file_id).

    An item of `result.data` is a file (`url`) or a text (`text`: a transcript, say, from openai/whisper); a text
    result comes as `result.data[].text` whichever schema the rest of the object follows, so `result.data` is read
    first on both.
    """
    result = obj.get("result")
    items = result.get("data") if isinstance(result, Mapping) else None
    if isinstance(items, list) and (outputs := tuple(filter(None, map(_result_item, items)))):
        return outputs
    meta_info = obj.get("meta_info")
    if isinstance(meta_info, Mapping) and meta_info.get("result_download_url"):
        url = str(meta_info["result_download_url"])
        return (RemoteOutput(url=url, kind=kind_of(None, url), remote_file_id=optional_text(meta_info.get("file_id"))),)
    return ()


def _result_item(item: Any) -> RemoteOutput | None:
    """One item of `result.data`: a file, a text, or None for an item that is neither."""
    if has_url(item, "url"):
        url = str(item["url"])
        return RemoteOutput(
            url=url,
            kind=kind_of(item.get("file_type"), url),
            remote_file_id=optional_text(item.get("file_id")),
            file_name=optional_text(item.get("file_name")),
        )
    if isinstance(item, Mapping) and isinstance(item.get("text"), str):
        return RemoteOutput(url="", kind=TEXT, text=item["text"])
    return None






def haiper_job(obj: Any, kind: str) -> HaiperJob:
    """`kind` ('video' | 'image') comes from which API was called: outputs do not say."""
    obj = as_mapping(obj, "job")
    raw_status = as_text(obj.get("status"))
    state = state_for(raw_status)
    meta_info = sub_mapping(obj, "meta_info")  # only what is picked below survives: it echoes the token
    original_request = without_secrets(sub_mapping(meta_info, "original_request"))
    outputs = obj.get("outputs") if isinstance(obj.get("outputs"), list) else []
    return HaiperJob(
        job_id=required_id(obj, "job_id", "job"),
        kind=kind,
        job_type=optional_text(original_request.get("job_type")),
        state=state,
        raw_status=raw_status,
        created_at=parse_timestamp(obj.get("created_at")),
        updated_at=parse_timestamp(obj.get("updated_at")),
        outputs=tuple(_haiper_output(item, kind) for item in outputs if has_url(item, "media_url")),
        failure_message=failure_message(state, log_lines(obj.get("logs")), meta_info),
        model_id=meta_info.get("model_id"),
        original_request=original_request,
    )


def haiper_job_page(body: Any, kind: str) -> HaiperJobPage:
    items = tuple(haiper_job(item, kind) for item in list_field(body, "job_list"))
    total_count = as_integer(body.get("total_count"))
    return HaiperJobPage(total_count=len(items) if total_count is None else total_count, items=items)


def _haiper_output(item: Mapping, kind: str) -> RemoteOutput:
    return RemoteOutput(
        url=str(item["media_url"]),
        kind=kind,
        thumbnail_url=optional_text(item.get("thumbnail_url")),
        remote_file_id=optional_text(item.get("id")),
    )






def flavor(obj: Any) -> Flavor:
    obj = as_mapping(obj, "flavor")
    meta_info = sub_mapping(obj, "meta_info")
    billing = sub_mapping(obj, "billing")
    return Flavor(
        flavor_id=required_id(obj, "flavor_id", "flavor"),
        display_name=as_text(obj.get("display_name")),
        cluster_id=optional_text(obj.get("cluster_id")),
        cluster_flavor_id=optional_text(obj.get("cluster_flavor_id")),
        cuda=optional_text(meta_info.get("cuda")),
        region=optional_text(meta_info.get("region")),
        usd_per_gpu_hour=as_decimal(billing.get("usd_price_unit")),
        cny_per_gpu_hour=as_decimal(billing.get("cny_price_unit")),
        nmt_per_gpu_hour=as_decimal(billing.get("nmt_price_unit")),
        available_num=as_integer(obj.get("available_num")),
        node_max_gpu=as_integer(obj.get("node_max_gpu")),
    )


def flavor_list(body: Any) -> tuple[Flavor, ...]:
    return tuple(flavor(item) for item in list_field(body, "flavor_list"))


def service(obj: Any) -> Service:
    obj = as_mapping(obj, "service")
    resources = sub_mapping(obj, "resource_metadata")
    return Service(
        service_id=required_id(obj, "service_id", "service"),
        name=as_text(obj.get("name")),
        description=as_text(obj.get("description")),
        status=as_text(obj.get("status")),
        status_info=_status_info(obj.get("status_info")),
        flavor_id=optional_text(resources.get("flavor_id")),
        resource_display_name=optional_text(resources.get("resource_display_name")),
        scale_type=optional_text(resources.get("scale_type")),
        target_instance_number=as_integer(resources.get("target_instance_number")),
        vram=optional_text(resources.get("VRAM")),
        image_size=optional_text(resources.get("image_size")),
        payment_type=optional_text(obj.get("payment_type")),
        created_at=parse_timestamp(obj.get("created_at")),
        updated_at=parse_timestamp(obj.get("updated_at")),
        endpoint_url=optional_text(sub_mapping(obj, "endpoint_metadata").get("endpoint_url")),
        endpoint_metadata=without_secrets(sub_mapping(obj, "endpoint_metadata")),
        billing_metadata=without_secrets(sub_mapping(obj, "billing_metadata")),
        deploy_metadata=without_secrets(sub_mapping(obj, "deploy_metadata")),
    )


def _status_info(value: Any) -> str | None:
    """Why a service is in its state: free text, or `{reason, message}`."""
    if isinstance(value, Mapping):
        return optional_text(value.get("message") or value.get("reason"))
    return optional_text(value)






def file_upload(body: Any) -> FileUpload:
    body = as_mapping(body, "file")
    presigned_url = body.get("presigned_url")
    if not isinstance(presigned_url, str) or not presigned_url:
        raise BadResponse("The created file has no presigned_url.")
    return FileUpload(id=required_id(body, "id", "file"), presigned_url=presigned_url)


def remote_file(obj: Any) -> RemoteFile:
    obj = as_mapping(obj, "file")
    return RemoteFile(
        id=required_id(obj, "id", "file"),
        file_name=optional_text(obj.get("file_name", obj.get("filename"))),
        purpose=optional_text(obj.get("purpose")),
        size=as_integer(obj.get("bytes", obj.get("size"))),
        status=optional_text(obj.get("status")),
        created_at=parse_timestamp(obj.get("created_at")),
    )


def file_list(body: Any) -> tuple[RemoteFile, ...]:
    """The documented answer is a bare list; a wrapped `{"data": [...]}` is accepted too."""
    items = body if isinstance(body, list) else list_field(body, "data")
    return tuple(remote_file(item) for item in items)


def presigned_url(body: Any) -> str:
    if isinstance(body, str) and body:
        return body
    body = as_mapping(body, "presigned URL answer")
    for key in ("presigned_url", "url"):
        if isinstance(body.get(key), str) and body[key]:
            return body[key]
    raise BadResponse("The answer carries no presigned_url.")
