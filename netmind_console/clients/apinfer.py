"""Apinfer: synchronous images, asynchronous videos; media arrives inline as base64 (API.md).

Decoded media is written into a directory the caller gives, under names of its own
(`apinfer-image-<n>-<unique>.png`, `apinfer-video-<unique>.mp4`); results carry the paths, never bytes.
"""

import base64
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import normalize
from .errors import NotFound
from .http import ProviderClient
from .payloads import decode_base64_to_file, media_type
from .types import ApinferGeneration, ApinferImageResult, ApinferVideoJob

# Looked up by ping(): no job has this id, so 404 proves the key was accepted and 401 that it was not.
PING_JOB_ID = "netmind-console-connection-check"


class ApinferClient(ProviderClient):
    def ping(self) -> None:
        """"Test connection". Raises TokenRejected for a bad key, another ProviderError otherwise."""
        try:
            self._http.get(f"/api/generations/{PING_JOB_ID}")
        except NotFound:
            return

    def generate_image(self, params: Mapping[str, Any], dest_dir: Path) -> ApinferImageResult:
        """Synchronous: returns when the images are decoded into `dest_dir`. Charged on success."""
        payload = {"model": "qwen-image", **params}
        with _scratch_dir(dest_dir) as scratch:
            parse = partial(normalize.apinfer_image_result, write_blob=_blob_writer(dest_dir))
            return self._http.create_streamed("/api/v1/generate-image", payload, scratch, parse)

    def create_video(self, image: bytes, params: Mapping[str, Any]) -> ApinferVideoJob:
        """Enqueue an image-to-video job (202); poll it with get_generation."""
        payload = {"model": "wan2.2", **params, "image": _data_url(image)}
        return self._http.create("/api/generate-video", payload, normalize.apinfer_video_job)

    def get_generation(self, job_id: str, dest_dir: Path) -> ApinferGeneration:
        """The job's state; once succeeded, its video is decoded into `dest_dir` (again on each call)."""
        with _scratch_dir(dest_dir) as scratch:
            body = self._http.get_streamed(f"/api/generations/{quote(str(job_id), safe='')}", scratch)
            return normalize.apinfer_generation(body, job_id, _blob_writer(dest_dir))


@contextmanager
def _scratch_dir(dest_dir: Path) -> Iterator[Path]:
    """Scratch space beside the destination, so finished files are renamed, not copied."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".apinfer-") as scratch:
        yield Path(scratch)


def _blob_writer(dest_dir: Path) -> normalize.BlobWriter:
    return lambda value, stem: decode_base64_to_file(value, Path(dest_dir), stem)


def _data_url(image: bytes) -> str:
    return f"data:{media_type(image)};base64,{base64.b64encode(image).decode('ascii')}"
