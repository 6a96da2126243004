"""NetMind Power: generations, legacy Haiper jobs, dedicated endpoints, files (API.md)."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from . import normalize, outside
from .errors import BadResponse, InvalidRequest, ProviderUnavailable
from .http import USER_AGENT, ProviderClient
from .types import (
    EndpointResponse,
    FileUpload,
    Flavor,
    Generation,
    HaiperJob,
    HaiperJobPage,
    RemoteFile,
    Service,
)


class NetMindClient(ProviderClient):
    def ping(self) -> None:
        """"Test connection": an authenticated, cheap read. Raises on any problem."""
        self.list_flavors()

    # --- generations -----------------------------------------------------------------------------

    def create_generation(self, model: str, config: Mapping[str, Any]) -> Generation:
        return self._http.create("/v1/generation", {"model": model, "config": dict(config)}, normalize.generation)

    def get_generation(self, generation_id: str) -> Generation:
        return normalize.generation(self._http.get(f"/v1/generation/{_segment(generation_id)}"))

    def list_generations(self) -> tuple[Generation, ...]:
        return normalize.generation_list(self._http.get("/v1/generation"))

    def delete_generation(self, generation_id: str) -> None:
        self._http.delete(f"/v1/generation/{_segment(generation_id)}")

    # --- legacy Haiper jobs ----------------------------------------------------------------------

    def create_video_job(self, config: Mapping[str, Any], *, job_type: str = "text2video") -> HaiperJob:
        # The API publishes jobs by default; the console only does so when the user opted in.
        return self._create_haiper_job("video", job_type, {"is_public": False, **config})

    def create_image_job(self, config: Mapping[str, Any], *, job_type: str = "text2image") -> HaiperJob:
        return self._create_haiper_job("image", job_type, dict(config))

    def get_video_job(self, job_id: str) -> HaiperJob:
        return self._get_haiper_job("video", job_id)

    def get_image_job(self, job_id: str) -> HaiperJob:
        return self._get_haiper_job("image", job_id)

    def list_video_jobs(self, *, page: int = 1, page_size: int = 10) -> HaiperJobPage:
        return self._list_haiper_jobs("video", page, page_size)

    def list_image_jobs(self, *, page: int = 1, page_size: int = 10) -> HaiperJobPage:
        return self._list_haiper_jobs("image", page, page_size)

    def delete_video_job(self, job_id: str) -> None:
        self._http.delete(f"{_haiper_path('video')}/{_segment(job_id)}")

    def delete_image_job(self, job_id: str) -> None:
        self._http.delete(f"{_haiper_path('image')}/{_segment(job_id)}")

    def _create_haiper_job(self, kind: str, job_type: str, config: dict) -> HaiperJob:
        payload = {"job_type": job_type, "config": config}
        return self._http.create(_haiper_path(kind), payload, lambda body: normalize.haiper_job(body, kind))

    def _get_haiper_job(self, kind: str, job_id: str) -> HaiperJob:
        return normalize.haiper_job(self._http.get(f"{_haiper_path(kind)}/{_segment(job_id)}"), kind)

    def _list_haiper_jobs(self, kind: str, page: int, page_size: int) -> HaiperJobPage:
        body = self._http.get(_haiper_path(kind), params={"page": page, "page_size": page_size})
        return normalize.haiper_job_page(body, kind)

    # --- dedicated endpoints ---------------------------------------------------------------------

    def list_flavors(self) -> tuple[Flavor, ...]:
        return normalize.flavor_list(self._http.get("/v1/inference-service/flavor"))

    def create_service(
        self,
        *,
        name: str,
        flavor_id: str,
        image_url: str,
        port: int,
        command: str = "",
        gpu_num: int = 1,
        target_instance_number: int = 1,
        description: str = "",
        scale_type: str = "manual",
        payment_type: str = "usd",
    ) -> Service:
        payload = {
            "name": name,
            "description": description,
            "payment_type": payment_type,
            "resource_metadata": {
                "flavor_id": flavor_id,
                "scale_type": scale_type,
                "target_instance_number": target_instance_number,
            },
            "deploy_metadata": {"image_url": image_url, "command": command, "port": port, "gpu_num": gpu_num},
        }
        return self._http.create("/v1/inference-service", payload, normalize.service)

    def get_service(self, service_id: str) -> Service:
        return normalize.service(self._http.get(f"/v1/inference-service/{_segment(service_id)}"))

    def scale_service(self, service_id: str, target_instance_number: int) -> Service:
        # The documented request sends the number as a string.
        payload = {"resource_metadata": {"target_instance_number": str(int(target_instance_number))}}
        return normalize.service(self._http.put(f"/v1/inference-service/{_segment(service_id)}", payload))

    def delete_service(self, service_id: str) -> None:
        self._http.delete(f"/v1/inference-service/{_segment(service_id)}")

    def call_endpoint(self, url: str, payload: Any, *, timeout=None) -> EndpointResponse:
        """"Try it": POST JSON to a running service's URL with this account's token."""
        return self._http.post_to_endpoint(url, payload, timeout=timeout)

    # --- files -----------------------------------------------------------------------------------

    def create_file(self, file_name: str, purpose: str, *, content_type: str = "") -> FileUpload:
        """Register a file; its bytes go to the answer's `presigned_url` (upload_file_bytes) within about 2 h."""
        headers = {"file-content-type": content_type} if content_type else None
        return self._http.create("/v1/files", {"file_name": file_name, "purpose": purpose}, normalize.file_upload,
                                 headers=headers)

    def upload_file_bytes(self, presigned_url: str, data, content_type: str = "application/octet-stream",
                          **checks) -> None:
        """PUT `data` (bytes or a file, streamed) to an upload link. The link came from the provider's answer, so it
        goes out through the client for outside URLs (outside.py: public https hosts only, unless `checks` list the
        host as insecure, as the sandbox is in sandbox mode), and without the bearer token: the link is the
        credential. Once: a retry is the caller's next send."""
        try:
            answer = outside.put(presigned_url, data=data, headers={"Content-Type": content_type,
                                                                     "User-Agent": USER_AGENT}, **checks)
        except outside.RefusedURL as error:
            raise BadResponse(f"The upload link is not one the console may use: {error}",
                              user_message=f"The provider's upload link was refused: {error}") from None
        except outside.Unreachable as error:
            raise ProviderUnavailable(f"Could not reach the upload link's host: {error}") from None
        if answer.ok:
            return
        if answer.status == 429 or answer.status >= 500:
            raise ProviderUnavailable(f"The object store answered HTTP {answer.status} to the upload.",
                                      status_code=answer.status)
        raise InvalidRequest(f"The object store refused the upload (HTTP {answer.status}).", status_code=answer.status,
                             user_message="The upload link was refused; it may have expired. Try the upload again.")

    def upload_file(self, file_name: str, purpose: str, data, content_type: str = "application/octet-stream",
                    **checks) -> FileUpload:
        """Create the file record, then PUT its bytes to the link it came with."""
        upload = self.create_file(file_name, purpose, content_type=content_type)
        self.upload_file_bytes(upload.presigned_url, data, content_type, **checks)
        return upload

    def list_files(self) -> tuple[RemoteFile, ...]:
        return normalize.file_list(self._http.get("/v1/files"))

    def get_file(self, file_id: str) -> RemoteFile:
        return normalize.remote_file(self._http.get(f"/v1/files/{_segment(file_id)}"))

    def get_file_presigned_url(self, file_id: str) -> str:
        return normalize.presigned_url(self._http.get(f"/v1/files/{_segment(file_id)}/presigned_url"))

    def delete_file(self, file_id: str) -> None:
        self._http.delete(f"/v1/files/{_segment(file_id)}")


def _haiper_path(kind: str) -> str:
    return f"/v1/netmind-{kind}-job"


def _segment(identifier: str) -> str:
    """Ids come from users (adopt by id) as well as from the API: never let one change the path."""
    return quote(str(identifier), safe="")
