"""Apinfer's shapes: image results (payloads already turned into files, see payloads.py), video jobs, generations."""

from collections.abc import Mapping
from typing import Any

from ..errors import BadResponse
from ..types import FAILED, SUCCEEDED, ApinferGeneration, ApinferImageResult, ApinferVideoJob
from .readers import (
    BlobWriter,
    as_decimal,
    as_integer,
    as_mapping,
    as_text,
    optional_text,
    required_id,
    state_for,
    sub_mapping,
)


def apinfer_image_result(body: Any, write_blob: BlobWriter) -> ApinferImageResult:
    data = _apinfer_data(body)
    images = data.get("images")
    if not isinstance(images, list) or not images:
        raise BadResponse("The image answer carries no images.")
    return ApinferImageResult(
        paths=tuple(write_blob(image, f"apinfer-image-{index}") for index, image in enumerate(images, start=1)),
        seed=as_integer(data.get("seed")),
        model=optional_text(data.get("model")),
        processing_time_ms=as_integer(data.get("processing_time")),
        credit_cost=as_decimal(data.get("credit_cost")),
        message=optional_text(body.get("message")),
    )


def apinfer_video_job(body: Any) -> ApinferVideoJob:
    data = _apinfer_data(body)
    raw_status = as_text(data.get("status"))
    return ApinferVideoJob(
        job_id=required_id(data, "job_id", "video job"),
        state=state_for(raw_status),
        raw_status=raw_status,
        credit_cost=as_decimal(data.get("credit_cost")),
        message=optional_text(body.get("message")),
    )


def apinfer_generation(body: Any, job_id: str, write_blob: BlobWriter) -> ApinferGeneration:
    """Pending and done answers carry `data`; a failed one is `success: false` with words instead."""
    body = as_mapping(body, "generation")
    if body.get("success") is False:
        return _failed_apinfer_generation(body, job_id)
    data = _apinfer_data(body)
    raw_status = as_text(data.get("status"))
    state = state_for(raw_status)
    result = sub_mapping(data, "result")
    video = result.get("video")
    return ApinferGeneration(
        job_id=job_id,
        state=state,
        raw_status=raw_status,
        kind=optional_text(data.get("type")),
        model=optional_text(data.get("model")),
        video_path=write_blob(video, "apinfer-video") if state == SUCCEEDED and video else None,
        seed=as_integer(result.get("seed")),
        credit_cost=as_decimal(data.get("credit_cost")),
        failure_message=optional_text(data.get("error") or data.get("message")) if state == FAILED else None,
    )


def _failed_apinfer_generation(body: Mapping, job_id: str) -> ApinferGeneration:
    data = sub_mapping(body, "data")
    raw_status = as_text(data.get("status")) or "failed"
    return ApinferGeneration(
        job_id=job_id,
        state=state_for(raw_status),
        raw_status=raw_status,
        kind=optional_text(data.get("type")),
        model=optional_text(data.get("model")),
        video_path=None,
        seed=None,
        credit_cost=as_decimal(data.get("credit_cost")),
        failure_message=optional_text(body.get("message") or body.get("error")) or "Generation failed",
    )


def _apinfer_data(body: Any) -> Mapping:
    body = as_mapping(body, "answer")
    data = body.get("data")
    if body.get("success") is False or not isinstance(data, Mapping):
        raise BadResponse("The answer carries no data.")
    return data
