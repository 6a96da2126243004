"""What every page answers: CSRF refusals, no token anywhere, fragments varied on HX-Request, strict headers."""

import logging

import pytest
from django.test import Client
from django_q.brokers import get_broker
from django_q.brokers.redis_broker import Redis as RedisBroker
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage

from netmind_console.accounts.models import ProviderAccount
from tests.security.conftest import SECRET_TOKEN
from tests.security.crawl import all_routes

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = all_routes()


def test_a_post_without_the_csrf_token_is_refused_on_every_url_even_from_htmx(owner, owned):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    accepted = [str(route) for route in ROUTES
                if client.post(route.url(owned), {"x": "1"}, HTTP_HX_REQUEST="true").status_code != 403]
    assert accepted == []


def crawl(client, owned):
    """GET every URL as a page and as an htmx fragment: {(route, htmx): response}."""
    return {(str(route), htmx): client.get(route.url(owned), **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
            for route in ROUTES for htmx in (False, True)}


def test_no_page_fragment_log_line_or_task_row_holds_the_token(client, owner, owned, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(owner)
    pages = crawl(client, owned)

    showing = [key for key, response in pages.items() if SECRET_TOKEN.encode() in _body(response)]
    assert showing == []
    assert SECRET_TOKEN not in caplog.text
    queued = _queued_task_reprs()
    assert queued, "the crawl should have queued syncs: the broker's queue must be checked, not empty"
    assert not any(SECRET_TOKEN in text for text in queued)
    assert not any(SECRET_TOKEN in repr((t.args, t.kwargs, t.result)) for t in Task.objects.all())


def test_tokens_are_stored_only_as_ciphertext(owner, owned):
    stored = ProviderAccount.objects.filter(owner=owner).values_list("token_ciphertext", flat=True)
    assert stored and not any(SECRET_TOKEN in text for text in stored)
    # Each sandbox account holds its own token built on the sandbox's: `<SECRET_TOKEN>-<per-user suffix>`.
    assert all(account.reveal_token().startswith(SECRET_TOKEN) for account in ProviderAccount.objects.filter(owner=owner))


def test_every_view_that_answers_htmx_with_a_fragment_varies_on_hx_request(client, owner, owned):
    client.force_login(owner)
    pages = crawl(client, owned)
    unvaried = [route for (route, htmx), response in pages.items()
                if htmx and _is_fragment_of_a_page(response, pages[route, False])
                and "hx-request" not in response.get("Vary", "").lower()]
    assert unvaried == [], ", ".join(unvaried)


def test_every_page_is_framed_by_nobody_and_runs_only_its_own_scripts(client, owner, owned):
    client.force_login(owner)
    for (route, htmx), response in crawl(client, owned).items():
        policy = response.get("Content-Security-Policy", "")
        assert response["X-Frame-Options"] == "DENY", route
        assert "script-src" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], route


def _queued_task_reprs() -> list[str]:
    """Every task waiting in the configured broker (the ORM table, or Redis in the scaled-out run), decoded."""
    broker = get_broker()
    if isinstance(broker, RedisBroker):
        return [repr(SignedPackage.loads(raw)) for raw in broker.connection.lrange(broker.list_key, 0, -1)]
    return [repr(message.task) for message in OrmQ.objects.all()]


def _is_fragment_of_a_page(htmx_response, page_response) -> bool:
    is_page = b"<html" in _body(page_response).lower()
    return is_page and b"<html" not in _body(htmx_response).lower()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
