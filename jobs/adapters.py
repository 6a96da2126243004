"""One adapter per provider kind: builds the request from the form's values and talks to the client.

Adapters know the shape of each remote API; the state machine (lifecycle.py, submission.py, sync.py) knows none of it.
Each returns a `RemoteSnapshot`: the normalised state, outputs and messages of one remote job.
"""

import random
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage

from jobs import input_files
from jobs.catalogue import CUSTOM_KEY, ModelSpec
from netmind_console.clients import normalize

MAX_SEED = 2**31 - 1
# The status word stored for an Apinfer image, whose create call answers with the finished result.
SYNCHRONOUS_RESULT_WORD = "success"


def is_familiar_status(raw_status: str) -> bool:
    """Whether the console understands a provider's status word; an unfamiliar one is shown to people as is."""
    return raw_status == SYNCHRONOUS_RESULT_WORD or normalize.state_for(raw_status) is not None


@dataclass(frozen=True)
class SnapshotOutput:
    kind: str
    url: str = ""
    thumbnail_url: str = ""
    local_path: Path | None = None  # Apinfer results arrive inline and are already on disk
    text: str = ""  # a text result's text (kind "text"): kept on the row, archived as a .txt file


@dataclass(frozen=True)
class RemoteSnapshot:
    remote_id: str
    state: str | None  # console state, or None for a word nobody has seen yet
    raw_status: str
    outputs: tuple[SnapshotOutput, ...] = ()
    failure_message: str = ""  # why it failed, in a sentence
    provider_log: tuple[str, ...] = ()  # the provider's log lines, when it gave more than that sentence
    seed: int | None = None
    credit_cost: object = None
    created_at: object = None
    prompt: str | None = None  # as the provider echoes it, when it does: tells apart jobs created together
    extra: dict = field(default_factory=dict)


def failure(message: str | None) -> dict:
    """A provider's failure text as snapshot fields. NetMind sends its whole log (one line a step, the error last):
    the last line is the reason a person reads; the lines are kept as the log shown under it."""
    lines = tuple(line.strip() for line in (message or "").splitlines() if line.strip())
    return {"failure_message": lines[-1] if lines else "", "provider_log": lines if len(lines) > 1 else ()}


def choose_seed(values) -> int | None:
    """The console picks "random" seeds itself, so the real seed is always known and reusable."""
    if values.get("seed_mode") == "fixed" and values.get("seed") is not None:
        return int(values["seed"])
    return random.randint(0, MAX_SEED)


def _set_path(config: dict, path: tuple[str, ...], value):
    for part in path[:-1]:
        config = config.setdefault(part, {})
    config[path[-1]] = value


def _config_from_fields(spec: ModelSpec, values: dict, paths: dict | None = None) -> dict:
    """The prompt and each field's value at its key (or its place in `paths`). File inputs are left out: their values
    are the links of their uploads, known when the job is sent (input_files.py)."""
    config = {"prompt": values["prompt"]} if spec.has_prompt else {}
    for spec_field in spec.fields:
        if spec_field.kind != "file" and values.get(spec_field.name) is not None:
            _set_path(config, (paths or {}).get(spec_field.name, (spec_field.name,)), values[spec_field.name])
    return config


def _outputs(remote_outputs, default_kind) -> tuple[SnapshotOutput, ...]:
    return tuple(
        SnapshotOutput(kind="text", text=out.text) if out.text is not None
        else SnapshotOutput(kind=out.kind or default_kind, url=out.url, thumbnail_url=out.thumbnail_url or "")
        for out in remote_outputs
    )


class GenerationAdapter:
    supports_list = True

    def build_request(self, spec: ModelSpec, values: dict, seed) -> tuple[str, dict]:
        if spec.key == CUSTOM_KEY:
            config = dict(values["config_json"])
            config.setdefault("prompt", values["prompt"])
            return values["model_id"], config
        config = _config_from_fields(spec, values)
        if spec.has_seed:
            config["seed"] = seed
        if spec.has_negative_prompt and values.get("negative_prompt"):
            config["negative_prompt"] = values["negative_prompt"]
        return spec.remote_model, config

    def submit(self, client, job, media_dir) -> RemoteSnapshot:
        config = {**job.request_body["config"], **input_files.uploaded_urls(client, job)}
        return self.snapshot(client.create_generation(job.remote_model, config), job)

    def fetch(self, client, job, media_dir) -> RemoteSnapshot:
        return self.snapshot(client.get_generation(job.remote_id), job)

    def list_remote(self, client) -> list[RemoteSnapshot]:
        return [self.snapshot(item, None) for item in client.list_generations()]

    def delete(self, client, job):
        client.delete_generation(job.remote_id)

    def snapshot(self, generation, job) -> RemoteSnapshot:
        kind = _default_kind(job)
        return RemoteSnapshot(
            remote_id=generation.id, state=generation.state, raw_status=generation.raw_status,
            outputs=_outputs(generation.outputs, kind), **failure(generation.failure_message),
            created_at=generation.created_at,
        )


def _default_kind(job):
    from jobs import catalogue

    spec = catalogue.get(job.model_key) if job else None
    return spec.output_kind if spec else "image"


class HaiperAdapter:
    supports_list = True
    # Where Haiper's request takes the values its documents name by key (API.md, Haiper).
    PATHS = {"aspect_ratio": ("settings", "aspect_ratio"), "resolution": ("settings", "resolution"),
             "duration": ("settings", "duration"), "image_number": ("config", "image_number")}

    def __init__(self, kind: str):
        self.kind = kind  # video | image

    def build_request(self, spec: ModelSpec, values: dict, seed) -> tuple[str, dict]:
        config = _config_from_fields(spec, values, self.PATHS)
        config["negative_prompt"] = values.get("negative_prompt", "")
        config.setdefault("settings", {})["seed"] = seed
        if self.kind == "video":
            config["gen_mode"] = "standard"
            config["is_public"] = bool(values.get("is_public", False))  # the API defaults to public
            config.setdefault("use_ff_cond", False)
        return f"haiper/text2{self.kind}", config

    def submit(self, client, job, media_dir) -> RemoteSnapshot:
        job_type = f"text2{self.kind}"
        create = client.create_video_job if self.kind == "video" else client.create_image_job
        return self.snapshot(create(job.request_body["config"], job_type=job_type))

    def fetch(self, client, job, media_dir) -> RemoteSnapshot:
        get = client.get_video_job if self.kind == "video" else client.get_image_job
        return self.snapshot(get(job.remote_id))

    def list_remote(self, client, pages=5) -> list[RemoteSnapshot]:
        list_page = client.list_video_jobs if self.kind == "video" else client.list_image_jobs
        snapshots = []
        for page in range(1, pages + 1):
            result = list_page(page=page, page_size=50)
            snapshots += [self.snapshot(item) for item in result.items]
            if len(snapshots) >= result.total_count or not result.items:
                break
        return snapshots

    def delete(self, client, job):
        (client.delete_video_job if self.kind == "video" else client.delete_image_job)(job.remote_id)

    def snapshot(self, haiper_job) -> RemoteSnapshot:
        settings_echo = ((haiper_job.original_request or {}).get("config") or {}).get("settings") or {}
        return RemoteSnapshot(
            remote_id=haiper_job.job_id, state=haiper_job.state, raw_status=haiper_job.raw_status,
            outputs=_outputs(haiper_job.outputs, self.kind), **failure(haiper_job.failure_message),
            seed=settings_echo.get("seed"), created_at=haiper_job.created_at,
            prompt=((haiper_job.original_request or {}).get("config") or {}).get("prompt"),
        )


class ApinferImageAdapter:
    """Synchronous: the create call returns the finished images, decoded to disk by the client."""

    supports_list = False

    def build_request(self, spec: ModelSpec, values: dict, seed) -> tuple[str, dict]:
        body = {**_config_from_fields(spec, values), "negative_prompt": values.get("negative_prompt", ""),
                "seed": seed, "model": spec.remote_model}
        return spec.remote_model, body

    def submit(self, client, job, media_dir) -> RemoteSnapshot:
        result = client.generate_image(job.request_body["config"], media_dir)
        return RemoteSnapshot(
            remote_id="", state="succeeded", raw_status=SYNCHRONOUS_RESULT_WORD,
            outputs=tuple(SnapshotOutput(kind="image", local_path=path) for path in result.paths),
            seed=result.seed, credit_cost=result.credit_cost,
        )

    def fetch(self, client, job, media_dir):
        raise NotImplementedError("Apinfer images are synchronous: there is nothing to fetch later.")


class ApinferVideoAdapter:
    supports_list = False

    def build_request(self, spec: ModelSpec, values: dict, seed) -> tuple[str, dict]:
        body = {**_config_from_fields(spec, values), "negative_prompt": values.get("negative_prompt", ""),
                "model": spec.remote_model}
        return spec.remote_model, body

    def submit(self, client, job, media_dir) -> RemoteSnapshot:
        with default_storage.open(job.input_file, "rb") as first_frame:
            image_bytes = first_frame.read()
        created = client.create_video(image_bytes, job.request_body["config"])
        return RemoteSnapshot(remote_id=created.job_id, state=created.state, raw_status=created.raw_status,
                              credit_cost=created.credit_cost)

    def fetch(self, client, job, media_dir) -> RemoteSnapshot:
        result = client.get_generation(job.remote_id, media_dir)
        outputs = (SnapshotOutput(kind="video", local_path=result.video_path),) if result.video_path else ()
        return RemoteSnapshot(
            remote_id=job.remote_id, state=result.state, raw_status=result.raw_status, outputs=outputs,
            **failure(result.failure_message), seed=result.seed, credit_cost=result.credit_cost,
        )


ADAPTERS = {
    "generation": GenerationAdapter(),
    "haiper_video": HaiperAdapter("video"),
    "haiper_image": HaiperAdapter("image"),
    "apinfer_image": ApinferImageAdapter(),
    "apinfer_video": ApinferVideoAdapter(),
}
