"""Object ids from outside (URLs, forms, query strings) are UUIDs; anything else is no id at all."""

import uuid


def parse_uuid(value) -> uuid.UUID | None:
    """The UUID `value` spells, or None: a bad id is a 'not found' or a form error, never a 500."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None
