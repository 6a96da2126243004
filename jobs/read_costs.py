"""What reading an account's remote jobs costs, so a sweep can choose between one list call and a GET per job.

NetMind's generation list is not paginated: an account with a long history pays for all of it on every list call
(10,000 finished generations are megabytes and a second or more), while a GET costs one round trip per active job.
Each list call remembers its bytes, seconds and length; a GET's seconds are sampled at most once a minute (a sync
runs every second while a page watches, and need not write the cache each time). Both are kept per account and
kind of job in the cache (the database's on the embedded default, Redis scaled out), under the account's UUID: a
database restored beside an older cache cannot inherit another account's figures. Losing them costs one list call,
which measures again. A row was not needed: the figures are a hint, written from any worker, and expire.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import cache

REMEMBERED_SECONDS = 24 * 3600  # a history changes slowly; a day-old figure is re-measured by the next list
GET_SAMPLE_SECONDS = 60


@dataclass
class Cost:
    bytes: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Estimate:
    list_seconds: float
    list_bytes: int
    get_seconds: float


@contextmanager
def measured(client):
    """The bytes and seconds of the calls made through `client` in the block (set when it ends)."""
    cost = Cost()
    before, started = client.received_bytes, time.monotonic()
    try:
        yield cost
    finally:
        cost.bytes, cost.seconds = client.received_bytes - before, time.monotonic() - started


def _key(what: str, account_uuid, adapter: str) -> str:
    return f"jobs:{what}-cost:{account_uuid}:{adapter}"


def remember_list(account_uuid, adapter: str, cost: Cost, items: int):
    figures = {"bytes": cost.bytes, "seconds": cost.seconds, "items": items}
    cache.set(_key("list", account_uuid, adapter), figures, REMEMBERED_SECONDS)


def remember_get(account_uuid, adapter: str, cost: Cost):
    """Fold one GET's time into the typical one, unless a GET was sampled less than a minute ago."""
    key = _key("get", account_uuid, adapter)
    last = cache.get(key)
    if last and time.time() - last["at"] < GET_SAMPLE_SECONDS:
        return
    seconds = (last["seconds"] + cost.seconds) / 2 if last else cost.seconds
    cache.set(key, {"seconds": seconds, "at": time.time()}, REMEMBERED_SECONDS)


def estimate(account_uuid, adapter: str) -> Estimate | None:
    """What one list call and one GET cost this account, or None until a list call has been measured.

    Before any GET was timed, a GET is taken to cost its job's share of the list: an account whose list is mostly
    history then tries GETs once (which times them), and one whose list is all active jobs keeps the list.
    """
    figures = cache.get_many([_key("list", account_uuid, adapter), _key("get", account_uuid, adapter)])
    listed, got = figures.get(_key("list", account_uuid, adapter)), figures.get(_key("get", account_uuid, adapter))
    if listed is None:
        return None
    get_seconds = got["seconds"] if got else listed["seconds"] / max(listed["items"], 1)
    return Estimate(list_seconds=listed["seconds"], list_bytes=listed["bytes"], get_seconds=get_seconds)
