"""What an error answer says: the provider's message and, for a rejected form, a message per field."""

from collections.abc import Mapping
from typing import Any

from .readers import as_text


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
                messages.setdefault(_field_path(error.get("loc")), as_text(error.get("msg")) or "is invalid")
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
