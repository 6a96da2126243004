"""The shared readers: status words, timestamps, secrets dropped, and small typed field readers.

Unknown status words never raise (state None, word kept); both timestamp formats become aware UTC datetimes;
anything that looks like a credential in an echoed request is dropped before it can reach a row, a page or a log.
"""

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..errors import BadResponse
from ..types import CANCELLED, FAILED, OUTPUT_KINDS, QUEUED, RUNNING, SUCCEEDED

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

KIND_BY_EXTENSION = {
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"), "image"),
    **dict.fromkeys((".mp4", ".webm", ".mov", ".mkv", ".avi"), "video"),
    **dict.fromkeys((".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac"), "audio"),
}

SECRET_KEY = re.compile(r"token|secret|password|passwd|authorization|api[_-]?key|credential", re.IGNORECASE)

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
        return {k: without_secrets(v) for k, v in value.items() if not SECRET_KEY.search(str(k))}
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value






def as_mapping(value: Any, what: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise BadResponse(f"Expected a {what} object, got {type(value).__name__}.")
    return value


def sub_mapping(obj: Mapping, key: str) -> dict:
    value = obj.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def list_field(body: Any, key: str) -> list:
    items = as_mapping(body, "list answer").get(key)
    if not isinstance(items, list):
        raise BadResponse(f"The answer has no '{key}' list.")
    return items


def required_id(obj: Mapping, key: str, what: str) -> str:
    value = obj.get(key)
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
        return str(value)
    raise BadResponse(f"The {what} has no '{key}'.")


def has_url(item: Any, key: str) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get(key), str) and bool(item[key])


def kind_of(file_type: Any, url: str) -> str | None:
    if isinstance(file_type, str) and file_type.lower() in OUTPUT_KINDS:
        return file_type.lower()
    return KIND_BY_EXTENSION.get(PurePosixPath(urlsplit(url).path).suffix.lower())


def log_lines(logs: Any) -> tuple[str, ...]:
    if not isinstance(logs, list):
        return ()
    lines = (entry.get("text") if isinstance(entry, Mapping) else entry for entry in logs)
    return tuple(line.strip() for line in lines if isinstance(line, str) and line.strip())


def failure_message(state: str | None, logs: tuple[str, ...], meta_info: Any) -> str | None:
    """Why it failed: the logs (newer schema), else `meta_info.error_message` (older, Haiper)."""
    if state != FAILED:
        return None
    error_message = meta_info.get("error_message") if isinstance(meta_info, Mapping) else None
    return "\n".join(logs) or optional_text(error_message)


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def as_number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def as_integer(value: Any) -> int | None:
    number = as_number(value)
    try:
        return None if number is None else int(number)
    except (OverflowError, ValueError):  # inf, nan
        return None


def as_decimal(value: Any) -> Decimal | None:
    """Prices and credits as Decimal, via str so 0.3 stays 0.3 in spend sums."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
