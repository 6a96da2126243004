"""Announce finished jobs to the owner's webhook: a JSON POST signed with HMAC-SHA256, retried on failure.

Not a provider call, so it does not go through the provider clients: it carries no provider token.
"""

import hashlib
import hmac
import json
from datetime import timedelta

import requests
from django.utils import timezone

import netmind_console
from jobs.models import Job, WebhookDelivery
from netmind_console.accounts.models import Preferences

MAX_ATTEMPTS = 6
TIMEOUT = (3, 10)


def queue_for(job: Job) -> WebhookDelivery | None:
    url = Preferences.objects.filter(user_id=job.owner_id).values_list("webhook_url", flat=True).first()
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
    delivery = WebhookDelivery.objects.select_related("job", "job__owner__preferences").filter(
        pk=delivery_id, state=WebhookDelivery.State.PENDING).first()
    if not delivery:
        return
    body = body_for(delivery.job)
    headers = {"Content-Type": "application/json", "User-Agent": f"NetMindConsole/{netmind_console.__version__}",
               "X-Console-Signature": signature(delivery.job.owner.preferences.webhook_secret, body)}
    try:
        response = requests.post(delivery.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
        outcome = (response.status_code, "" if response.ok else f"answered HTTP {response.status_code}")
    except requests.RequestException as error:
        outcome = (None, f"could not connect: {type(error).__name__}")
    _record(delivery, *outcome)


def _record(delivery: WebhookDelivery, status, error: str):
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error
    if not error:
        delivery.state, delivery.delivered_at = WebhookDelivery.State.DELIVERED, timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.FAILED
    else:
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=30 * 2 ** delivery.attempts)
    delivery.save()


def due(now=None) -> list[int]:
    return list(WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING,
                                               next_attempt_at__lte=now or timezone.now()).values_list("pk", flat=True))
