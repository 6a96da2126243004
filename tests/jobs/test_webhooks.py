"""Finished jobs announced to the owner's webhook: signed, retried until delivered."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from jobs import webhooks
from jobs.models import WebhookDelivery
from netmind_console.accounts.models import preferences_for
from tests.fixtures.console import wait_until_final
from tests.jobs.test_lifecycle import new_job

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.answers.pop(0) if Receiver.answers else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.answers, Receiver.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", Receiver
    server.shutdown()


def test_a_finished_job_is_posted_to_the_webhook_with_a_valid_signature(owner, receiver):
    url, received = receiver
    prefs = preferences_for(owner)
    prefs.webhook_url = url
    prefs.save()

    job = wait_until_final(new_job(owner))

    headers, body = received.received[0]
    expected = "sha256=" + hmac.new(prefs.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Console-Signature"] == expected
    assert json.loads(body)["job"] == {**json.loads(body)["job"], "uuid": str(job.uuid), "state": "succeeded"}
    assert WebhookDelivery.objects.get(job=job).state == "delivered"


def test_a_failing_webhook_is_retried_later_and_then_delivered(owner, receiver):
    url, received = receiver
    received.answers = [500]
    prefs = preferences_for(owner)
    prefs.webhook_url = url
    prefs.save()

    job = wait_until_final(new_job(owner))
    delivery = WebhookDelivery.objects.get(job=job)
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_error == "answered HTTP 500"
    assert delivery.next_attempt_at > timezone.now()

    assert webhooks.due(now=delivery.next_attempt_at) == [delivery.pk]
    webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and len(received.received) == 2


def test_no_webhook_is_sent_when_none_is_set(owner, receiver):
    wait_until_final(new_job(owner))
    assert not WebhookDelivery.objects.exists()


def test_the_settings_page_saves_the_time_zone_and_refuses_a_plain_http_webhook(owner_client, owner):
    response = owner_client.post("/settings/", {"time_zone": "Europe/Paris", "webhook_url": "http://example.com/h"})
    assert response.status_code == 400
    assert "Use an https:// URL" in response.content.decode()
    assert preferences_for(owner).time_zone == "UTC"

    owner_client.post("/settings/", {"time_zone": "Europe/Paris", "webhook_url": "https://example.com/h"})
    assert preferences_for(owner).time_zone == "Europe/Paris"
