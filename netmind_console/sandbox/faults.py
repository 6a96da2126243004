"""Injected failures and the per-call bookkeeping that tests read back through /_sandbox/calls."""

import random
import threading
from collections import Counter, defaultdict

from .web import Response, json_response

DROP = "drop"
KINDS = ("http_500", "http_503", "http_429", "html_502", DROP)
NONE = "none"

HTML_502 = b"""<html>
<head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>
</html>
"""


def pick(rate: float, rng: random.Random) -> str:
    """One of KINDS with probability `rate`, else NONE."""
    return rng.choice(KINDS) if rng.random() < rate else NONE


def response(kind: str) -> Response | None:
    """The answer for a fault; None means drop the connection without answering."""
    if kind == "http_500":
        return json_response(500, {"detail": "Service is unavailable"})
    if kind == "http_503":
        return json_response(503, {"detail": "Service temporarily unavailable"})
    if kind == "http_429":
        return json_response(429, {"detail": "Too many requests"}, {"Retry-After": "1"})
    if kind == "html_502":
        return Response(502, HTML_502, "text/html")
    return None


class Counters:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._calls: Counter = Counter()
            self._outcomes: Counter = Counter()
            self._by_call: defaultdict = defaultdict(Counter)
            self._bytes: Counter = Counter()

    def count(self, call: str, outcome: str):
        with self._lock:
            self._calls[call] += 1
            self._outcomes[outcome] += 1
            self._by_call[call][outcome] += 1

    def count_bytes(self, call: str, body: bytes):
        """What the answers to a call weighed: an unpaginated list grows with the account's history."""
        with self._lock:
            self._bytes[call] += len(body)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "calls": dict(self._calls),
                "faults": dict(self._outcomes),
                "outcomes": {call: dict(counts) for call, counts in self._by_call.items()},
                "bytes": dict(self._bytes),
            }
