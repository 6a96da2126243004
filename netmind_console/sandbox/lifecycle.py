"""Status over time, computed from absolute timestamps stored with each object.

A timeline is a list of [epoch_seconds, status] pairs in order; the status at any moment is the
last entry already reached. Durations are fixed when the object is created (at the speed then in
force), so a restart or a later --speed change never moves an object backwards.
"""

import time
from datetime import datetime, timezone

# Seconds at --speed 1 for each kind of work.
DURATIONS = {"image": 10.0, "audio": 20.0, "video": 60.0, "endpoint": 30.0}


def build(start: float, duration: float, steps: list[tuple[float, str]]) -> list[list]:
    """steps are (fraction of duration, status) pairs, e.g. [(0, "pending"), (1, "completed")]."""
    return [[start + fraction * duration, status] for fraction, status in steps]


def status_at(timeline: list[list], now: float | None = None) -> str:
    return entry_at(timeline, now)[1]


def entry_at(timeline: list[list], now: float | None = None) -> list:
    now = time.time() if now is None else now
    reached = [entry for entry in timeline if entry[0] <= now]
    return reached[-1] if reached else timeline[0]


def reached_at(timeline: list[list], status: str) -> float | None:
    """When `status` was (or will be) entered, if the timeline has it."""
    return next((at for at, word in timeline if word == status), None)


def spaced(epoch: float) -> str:
    """NetMind's plain format: 2025-09-18 09:14:20 (UTC, no zone)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def iso(epoch: float) -> str:
    """NetMind's other format: 2024-12-10T15:14:12.445307 (UTC, no zone)."""
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")
