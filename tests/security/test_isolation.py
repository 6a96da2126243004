"""Nobody reaches another workspace's objects, and nobody anonymous reaches anything private.

What each role of a workspace may do is crawled in test_roles.py."""

import pytest

from tests.security.crawl import all_routes

pytestmark = pytest.mark.django_db(transaction=True)

# An invitation link is its own credential (anyone holding it may open it): tests/workspaces checks it.
# The catalogue's models are the console's, not a workspace's: anyone signed in reads them, staff change them
# (tests/security/test_roles.py checks who may).
ID_ROUTES = [route for route in all_routes()
             if route.takes_id and not route.is_public and not route.route.startswith("jobs/models/")]


def test_every_url_that_takes_an_id_answers_404_to_a_non_member_and_calls_no_provider(
        client, other, owned, on_secret_sandbox):
    client.force_login(other)
    calls_before = on_secret_sandbox.calls()
    leaks = []
    for route in ID_ROUTES:
        answers = {method: client.generic(method, route.url(owned), HTTP_HX_REQUEST="true").status_code
                   for method in ("GET", "POST")}
        # 405 (wrong method) comes before the lookup and tells nothing; anything else but 404 is a leak.
        if 404 not in answers.values() or set(answers.values()) - {404, 405}:
            leaks.append(f"{route}: {answers}")
    assert leaks == []
    assert on_secret_sandbox.calls() == calls_before


def test_anonymous_visitors_are_sent_to_log_in_from_every_private_url(client, owned):
    not_sent = []
    for route in all_routes():
        if route.is_public:
            continue
        response = client.get(route.url(owned))
        if response.status_code != 302 or not response["Location"].startswith("/login/"):
            not_sent.append(f"{route}: {response.status_code}")
    assert not_sent == []
