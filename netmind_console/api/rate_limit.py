"""A request budget per API key: API_RATE_LIMIT requests per window (settings), counted in the "api_rate" cache,
which every web process shares (Redis when scaled out, files on the one machine of the embedded default)."""

import time

from django.conf import settings
from django.core.cache import caches

from netmind_console.api.problems import ApiProblem


def check(key):
    """Count this request against the key's window; past the limit, 429 with the seconds until the next window."""
    limit, window = settings.API_RATE_LIMIT, settings.API_RATE_WINDOW_SECONDS
    now = time.time()
    window_start = int(now // window)
    counter = f"api-rate:{key.uuid}:{window_start}"
    cache = caches["api_rate"]
    if cache.add(counter, 1, timeout=window + 1):
        return
    try:
        used = cache.incr(counter)
    except ValueError:  # expired between add and incr: this request opens the window again
        cache.add(counter, 1, timeout=window + 1)
        return
    if used > limit:
        wait = max(1, int((window_start + 1) * window - now) + 1)
        raise ApiProblem(429, f"This key may make {limit} requests every {window} seconds; try again in {wait} s.",
                         headers={"Retry-After": str(wait)})
