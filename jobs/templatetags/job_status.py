"""What the job badge says, decided in Python: the provider status words live once, in clients/normalize.py."""

from django import template

from jobs.adapters import is_familiar_status

register = template.Library()


@register.filter
def unfamiliar_status(raw_status: str) -> bool:
    """True for a provider status word the console does not know yet (shown beside the state, never fatal)."""
    return bool(raw_status) and not is_familiar_status(raw_status)
