"""Exponential backoff, written once: the delay before the next try of something that failed for now."""

from datetime import timedelta


def backoff(attempt: int, *, first: float = 1, cap: float = 60, retry_after=None,
            retry_after_cap: float = 120) -> timedelta:
    """`first` × 2^(attempt-1) seconds, at most `cap`; a provider's `Retry-After` (itself capped) wins if longer."""
    seconds = min(cap, first * 2 ** max(attempt - 1, 0))
    if retry_after:
        seconds = max(seconds, min(float(retry_after), retry_after_cap))
    return timedelta(seconds=seconds)
