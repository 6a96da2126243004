"""Work a person starts and the worker finishes: the pages and the API call these, so both queue the same tasks
under the same conditions."""

from endpoints import lifecycle, scaling, tasks
from endpoints.models import Endpoint, ScaleIntent
from netmind_console.core.queue import enqueue


def scale(endpoint: Endpoint, target: int, key, *, actor, request=None) -> tuple[ScaleIntent, bool]:
    """Save the wish (scaling.request_scale: the same key is the same wish) and send a new one once."""
    intent, created = scaling.request_scale(endpoint, target, key, actor=actor, request=request)
    if created:
        enqueue(tasks.apply_scale, intent.pk, group=tasks.GROUP)
    return intent, created


def sync_if_watched(endpoint: Endpoint) -> Endpoint:
    """Someone is watching (a polling page, an API client): ask for a fresh GET while the status may still change,
    one per endpoint however many watch."""
    if not endpoint.is_settled and lifecycle.claim_sync(endpoint):
        enqueue(tasks.sync_endpoint, endpoint.pk, group=tasks.GROUP)
        endpoint.refresh_from_db()
    return endpoint
