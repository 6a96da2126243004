"""Finished jobs announced to their workspace's webhook: signed with its secret, retried until delivered."""

import hashlib
import hmac
import html
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from jobs import lifecycle, webhooks
from jobs.models import JobState, WebhookDelivery
from netmind_console.core import queue
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.console import wait_until_final
from tests.fixtures.teams import join
from tests.jobs.team import acme, team_job  # noqa: F401 (fixtures)
from tests.jobs.test_lifecycle import new_job

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict, bytes]] = []
    delay = 0.0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        time.sleep(Receiver.delay)
        self.send_response(Receiver.answers.pop(0) if Receiver.answers else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def unlisted_receiver():
    """A receiver on loopback over plain http: refused unless WEBHOOK_ALLOWED_HOSTS lists it."""
    Receiver.answers, Receiver.received, Receiver.delay = [], [], 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", Receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver(unlisted_receiver, settings):
    url, received = unlisted_receiver
    settings.WEBHOOK_ALLOWED_HOSTS = [url.split("/")[2]]
    return url, received


def field_errors(response, field) -> str:
    """The error list Django renders under one form field (empty when the field has none)."""
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""


def signature_of(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def set_webhook(user, url):
    """The webhook of the user's personal workspace, where their jobs go."""
    workspace = personal_workspace(user)
    workspace.webhook_url = url
    workspace.save(update_fields=["webhook_url"])
    return workspace


def post_webhook(client, user, url):
    return client.post(reverse("workspace_webhook", args=[personal_workspace(user).uuid]), {"webhook_url": url})


def test_the_announcement_is_saved_with_the_final_state_so_a_worker_dying_after_the_commit_loses_nothing(
        owner, receiver, monkeypatch):
    url, received = receiver
    set_webhook(owner, url)
    monkeypatch.setattr(queue, "after_commit", lambda send: None)  # nothing queued reaches a worker
    job = new_job(owner)

    with transaction.atomic():
        assert lifecycle.transition(job, [JobState.PENDING], JobState.CANCELLED, "Cancelled")
        assert WebhookDelivery.objects.filter(job=job).exists(), "written in the state change's transaction"

    delivery = WebhookDelivery.objects.get(job=job)
    assert delivery.state == "pending" and received.received == []
    assert delivery.pk in webhooks.due(), "the reconcile sweep will send it"


def test_a_finished_job_is_posted_to_the_webhook_with_a_valid_signature(owner, receiver):
    url, received = receiver
    workspace = set_webhook(owner, url)

    job = wait_until_final(new_job(owner))

    headers, body = received.received[0]
    assert headers["X-Console-Signature"] == signature_of(workspace.webhook_secret, body)
    assert headers["X-Console-Delivery"] == str(WebhookDelivery.objects.get(job=job).delivery_id)
    assert json.loads(body)["job"] == {**json.loads(body)["job"], "uuid": str(job.uuid), "state": "succeeded"}
    assert WebhookDelivery.objects.get(job=job).state == "delivered"


def test_a_failing_webhook_is_retried_later_and_then_delivered(owner, receiver):
    url, received = receiver
    received.answers = [500]
    set_webhook(owner, url)

    job = wait_until_final(new_job(owner))
    delivery = WebhookDelivery.objects.get(job=job)
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_error == "answered HTTP 500"
    assert delivery.next_attempt_at > timezone.now()

    assert webhooks.due(now=delivery.next_attempt_at) == [delivery.pk]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # its time has come
    webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and len(received.received) == 2


def test_no_webhook_is_sent_when_none_is_set(owner, receiver):
    wait_until_final(new_job(owner))
    assert not WebhookDelivery.objects.exists()


def test_the_webhook_form_refuses_a_plain_http_webhook_and_saves_an_https_one(owner_client, owner):
    response = post_webhook(owner_client, owner, "http://example.com/h")
    assert response.status_code == 400
    assert "Use an https:// URL" in response.content.decode()
    assert personal_workspace(owner).webhook_url == ""

    post_webhook(owner_client, owner, "https://example.com/h")
    assert personal_workspace(owner).webhook_url == "https://example.com/h"


def test_a_retry_carries_the_same_delivery_id(owner, receiver):
    url, received = receiver
    received.answers = [500]
    set_webhook(owner, url)
    delivery = WebhookDelivery.objects.get(job=wait_until_final(new_job(owner)))

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    webhooks.deliver(delivery.pk)

    ids = [headers["X-Console-Delivery"] for headers, _ in received.received]
    assert ids == [str(delivery.delivery_id)] * 2


def test_a_delivery_that_is_not_due_yet_is_not_posted(owner, receiver):
    url, received = receiver
    job = wait_until_final(new_job(owner))
    set_webhook(owner, url)
    delivery = webhooks.queue_for(job)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + timezone.timedelta(minutes=1))

    webhooks.deliver(delivery.pk)

    assert received.received == []


def deliver_waiting_for_locks(delivery_id):
    """SQLite's in-memory test database (shared cache) answers "table is locked" at once where the console's
    file database waits (busy timeout): wait here the same way. PostgreSQL never raises it."""
    for _ in range(500):
        try:
            return webhooks.deliver(delivery_id)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.01)
    raise AssertionError("the database stayed locked")


def test_two_workers_delivering_one_row_at_once_post_it_once(owner, receiver):
    url, received = receiver
    received.delay = 0.3  # the first POST is still in flight when the second worker tries
    job = wait_until_final(new_job(owner))
    set_webhook(owner, url)
    delivery = webhooks.queue_for(job)
    start = threading.Barrier(2)
    errors = []

    def worker():
        try:
            start.wait()
            deliver_waiting_for_locks(delivery.pk)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert len(received.received) == 1
    assert received.received[0][0]["X-Console-Delivery"] == str(delivery.delivery_id)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.claimed_until) == ("delivered", 1, None)


@pytest.mark.parametrize("host, reason", [("127.0.0.1:{port}", "plain http"), ("localhost:{port}", "plain http")])
def test_a_stored_webhook_on_an_unlisted_local_address_is_refused_when_sent(owner, unlisted_receiver, host, reason):
    url, received = unlisted_receiver
    port = url.split(":")[2].split("/")[0]
    set_webhook(owner, f"http://{host.format(port=port)}/hook")  # stored before the rule, or the settings changed

    delivery = WebhookDelivery.objects.get(job=wait_until_final(new_job(owner)))

    assert received.received == []
    assert delivery.state == "failed" and delivery.last_status is None
    assert delivery.last_error.startswith("not sent: Refused") and reason in delivery.last_error


@pytest.mark.parametrize("url, reason", [
    ("https://localhost:{port}/hook", "resolves to 127.0.0.1, a loopback address"),
    ("https://127.0.0.1:{port}/hook", "a loopback address"),
    ("https://10.0.0.7/hook", "a private address"),
    ("https://169.254.169.254/latest/meta-data", "a link-local address"),
])
def test_a_stored_https_webhook_on_a_non_public_address_is_refused_when_sent(owner, unlisted_receiver, url, reason):
    port = unlisted_receiver[0].split(":")[2].split("/")[0]
    set_webhook(owner, url.format(port=port))

    delivery = WebhookDelivery.objects.get(job=wait_until_final(new_job(owner)))

    assert unlisted_receiver[1].received == []
    assert delivery.state == "failed" and reason in delivery.last_error


@pytest.mark.parametrize("url, reason", [
    ("https://127.0.0.1:8443/hook", "127.0.0.1: it is a loopback address"),
    ("https://192.168.1.20/hook", "192.168.1.20: it is a private address"),
    ("https://169.254.169.254/latest/meta-data", "it is a link-local address"),
    ("https://localhost/hook", "it resolves to 127.0.0.1, a loopback address"),
    ("http://127.0.0.1:8000/hook", "Use an https:// URL"),
])
def test_the_webhook_form_refuses_a_webhook_inside_the_network(owner_client, owner, url, reason):
    set_webhook(owner, "https://hooks.example.com/console")

    response = post_webhook(owner_client, owner, url)

    assert response.status_code == 400
    assert reason in field_errors(response, "webhook_url")
    assert personal_workspace(owner).webhook_url == "https://hooks.example.com/console"


def test_a_host_in_webhook_allowed_hosts_may_be_local_and_plain_http(owner_client, owner, receiver):
    url, received = receiver

    response = post_webhook(owner_client, owner, url)

    assert response.status_code == 302
    assert personal_workspace(owner).webhook_url == url
    wait_until_final(new_job(owner))
    assert len(received.received) == 1


def test_a_teammates_job_is_announced_to_the_team_webhook_signed_with_the_team_secret(acme, owner, other, receiver):
    url, received = receiver
    join(acme, other, Role.MEMBER)
    acme.webhook_url = url
    acme.save(update_fields=["webhook_url"])
    set_webhook(other, "https://hooks.example.com/bobs-own")  # bob's personal workspace: not this job's

    job = wait_until_final(team_job(acme, other))

    headers, body = received.received[0]
    assert headers["X-Console-Signature"] == signature_of(acme.webhook_secret, body)
    assert json.loads(body)["job"]["uuid"] == str(job.uuid)
    assert list(WebhookDelivery.objects.values_list("url", flat=True)) == [url]
