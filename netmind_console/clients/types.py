"""What the clients return: small frozen dataclasses, already normalised (see normalize.py).

`state` is one of the console states below, or None for a status word nobody has seen yet;
`raw_status` always keeps the provider's own word so it can be stored and shown.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
CONSOLE_STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)

OUTPUT_KINDS = ("image", "video", "audio")  # the kinds of a result file; a text result is "text"
TEXT = "text"


@dataclass(frozen=True)
class RemoteOutput:
    url: str  # "" for a text result: its text arrives inline
    kind: str | None  # 'image' | 'video' | 'audio' | 'text'; None only when neither the provider nor the URL says
    thumbnail_url: str | None = None
    remote_file_id: str | None = None
    file_name: str | None = None
    text: str | None = None  # a text result's text (a transcript, say); None for a file


@dataclass(frozen=True)
class Generation:
    id: str
    state: str | None
    raw_status: str
    created_at: datetime | None
    updated_at: datetime | None
    outputs: tuple[RemoteOutput, ...]
    failure_message: str | None
    logs: tuple[str, ...] = ()
    pending_duration: float | None = None
    processing_duration: float | None = None
    model_id: int | str | None = None  # older schema only
    backend_id: str | None = None  # older schema only


@dataclass(frozen=True)
class HaiperJob:
    job_id: str
    kind: str  # 'video' | 'image': which legacy API the job belongs to
    job_type: str | None
    state: str | None
    raw_status: str
    created_at: datetime | None
    updated_at: datetime | None
    outputs: tuple[RemoteOutput, ...]
    failure_message: str | None
    model_id: int | str | None = None
    # The request as the provider echoed it (defaults filled in), with token-looking keys removed.
    original_request: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class HaiperJobPage:
    total_count: int
    items: tuple[HaiperJob, ...]


@dataclass(frozen=True)
class Flavor:
    flavor_id: str
    display_name: str
    cluster_id: str | None
    cluster_flavor_id: str | None
    cuda: str | None
    region: str | None
    usd_per_gpu_hour: Decimal | None
    cny_per_gpu_hour: Decimal | None
    nmt_per_gpu_hour: Decimal | None
    available_num: int | None
    node_max_gpu: int | None


@dataclass(frozen=True)
class Service:
    service_id: str
    name: str
    description: str
    status: str  # initializing | available | stopped | unavailable, or whatever else the provider says
    status_info: str | None  # why: e.g. "Only 0 NVIDIA_L40S GPU(s) available"
    flavor_id: str | None
    resource_display_name: str | None
    scale_type: str | None
    target_instance_number: int | None
    vram: str | None
    image_size: str | None
    payment_type: str | None
    created_at: datetime | None
    updated_at: datetime | None
    endpoint_url: str | None  # when the provider says; otherwise callers derive it from service_id
    endpoint_metadata: dict[str, Any] = field(default_factory=dict, hash=False)
    billing_metadata: dict[str, Any] = field(default_factory=dict, hash=False)
    deploy_metadata: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class FileUpload:
    """The answer to creating a file: where to PUT its bytes (valid about 2 h)."""

    id: str
    presigned_url: str


@dataclass(frozen=True)
class RemoteFile:
    id: str
    file_name: str | None
    purpose: str | None
    size: int | None
    status: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class EndpointResponse:
    """What a dedicated endpoint answered to "Try it"."""

    status_code: int
    latency_ms: int
    body: str
    truncated: bool


@dataclass(frozen=True)
class ApinferImageResult:
    paths: tuple[Path, ...]  # decoded images, written into the directory the caller gave
    seed: int | None
    model: str | None
    processing_time_ms: int | None
    credit_cost: Decimal | None
    message: str | None


@dataclass(frozen=True)
class ApinferVideoJob:
    job_id: str
    state: str | None
    raw_status: str
    credit_cost: Decimal | None
    message: str | None


@dataclass(frozen=True)
class ApinferGeneration:
    job_id: str
    state: str | None
    raw_status: str
    kind: str | None
    model: str | None
    video_path: Path | None  # decoded result, written into the directory the caller gave
    seed: int | None
    credit_cost: Decimal | None
    failure_message: str | None
