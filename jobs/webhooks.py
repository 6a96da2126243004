"""Announce finished jobs to their workspace's webhook: a JSON POST signed with HMAC-SHA256 (the workspace's
secret), retried on failure.

Not a provider call: it carries no provider token. The URL is a workspace admin's, so it leaves through the
client for outside URLs: public https addresses only (unless the host is in WEBHOOK_ALLOWED_HOSTS), DNS pinned,
no redirects, time and size caps. One delivery row is POSTed by one worker at a time: `deliver` claims it
with a conditional update and a lease; each POST carries the row's id (X-Console-Delivery) so a receiver
can drop the repeat a lost answer still causes.
"""

import hashlib
import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

import netmind_console
from jobs.models import Job, WebhookDelivery
from netmind_console.clients import outside
from netmind_console.core.backoff import backoff
from netmind_console.workspaces.models import Workspace

MAX_ATTEMPTS = 6
TIMEOUT = (3, 10)
# Longer than a whole attempt (TIMEOUT and DNS): a claim is only taken over when its worker died.
CLAIM_LEASE = timedelta(seconds=60)


def queue_for(job: Job) -> WebhookDelivery | None:
    url = Workspace.objects.filter(pk=job.workspace_id).values_list("webhook_url", flat=True).first()
    if not url:
        return None
    return WebhookDelivery.objects.create(job=job, url=url)


def body_for(job: Job) -> bytes:
    payload = {
        "event": "job.finished",
        "job": {
            "uuid": str(job.uuid), "model": job.model_key, "state": job.state, "error": job.error_message,
            "remote_id": job.remote_id, "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "outputs": [{"uuid": str(o.uuid), "kind": o.kind} for o in job.outputs.all()],
        },
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(delivery_id: int):
    """POST one due delivery, unless another worker holds it: safe to run twice, at the same time too."""
    if not _claim(delivery_id):
        return
    delivery = WebhookDelivery.objects.select_related("job__workspace").get(pk=delivery_id)
    body = body_for(delivery.job)
    headers = {"Content-Type": "application/json", "User-Agent": f"NetMindConsole/{netmind_console.__version__}",
               "X-Console-Signature": signature(delivery.job.workspace.webhook_secret, body),
               "X-Console-Delivery": str(delivery.delivery_id)}
    try:
        answer = outside.post(delivery.url, data=body, headers=headers, timeout=TIMEOUT,
                              insecure_hosts=settings.WEBHOOK_ALLOWED_HOSTS, insecure_name="WEBHOOK_ALLOWED_HOSTS")
    except outside.RefusedURL as error:
        return _record(delivery, None, f"not sent: {error}", final=True)  # the same URL gets the same answer
    except outside.Unreachable as error:
        return _record(delivery, None, f"could not connect: {error}")
    _record(delivery, answer.status, "" if answer.ok else f"answered HTTP {answer.status}")


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    return bool(WebhookDelivery.objects.filter(free, pk=delivery_id, state=WebhookDelivery.State.PENDING,
                                               next_attempt_at__lte=now).update(claimed_until=now + CLAIM_LEASE))


def _record(delivery: WebhookDelivery, status, error: str, final: bool = False):
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error[:300]
    delivery.claimed_until = None
    if not error:
        delivery.state, delivery.delivered_at = WebhookDelivery.State.DELIVERED, timezone.now()
    elif final or delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.FAILED
    else:
        # 30 s × 2^attempts, as before: 1 min, 2, 4, 8, 16.
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts + 1, first=30,
                                                            cap=30 * 2 ** MAX_ATTEMPTS)
    delivery.save(update_fields=["attempts", "last_status", "last_error", "claimed_until", "state",
                                 "delivered_at", "next_attempt_at"])


def due(now=None) -> list[int]:
    now = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    return list(WebhookDelivery.objects.filter(free, state=WebhookDelivery.State.PENDING,
                                               next_attempt_at__lte=now).values_list("pk", flat=True))
