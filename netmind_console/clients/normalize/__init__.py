"""Every provider shape becomes a console dataclass here, and only here: `normalize.generation(body)` and so on.

The rules (readers.py): unknown status words never raise (state None, word kept); both timestamp formats
become aware UTC datetimes; both generation result schemas become `RemoteOutput`s; anything that looks like a
credential in an echoed request is dropped. Missing identifiers raise `BadResponse`.
"""

from .apinfer import apinfer_generation, apinfer_image_result, apinfer_video_job
from .error_bodies import field_messages, provider_message
from .netmind import (
    file_list,
    file_upload,
    flavor,
    flavor_list,
    generation,
    generation_list,
    haiper_job,
    haiper_job_page,
    presigned_url,
    remote_file,
    service,
)
from .readers import STATE_BY_STATUS_WORD, BlobWriter, parse_timestamp, state_for, without_secrets

__all__ = [
    "STATE_BY_STATUS_WORD", "BlobWriter", "apinfer_generation", "apinfer_image_result", "apinfer_video_job",
    "field_messages", "file_list", "file_upload", "flavor", "flavor_list", "generation", "generation_list",
    "haiper_job", "haiper_job_page", "parse_timestamp", "presigned_url", "provider_message", "remote_file",
    "service", "state_for", "without_secrets",
]
