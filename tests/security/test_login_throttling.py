"""Guessing passwords: after a few failures the login is locked for a while, and the page says so."""

import pytest
from django.conf import settings

from tests.conftest import OWNER_PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, user, password, forwarded_for=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post("/login/", {"username": user.username, "password": password}, **headers)


def fail_until_locked(client, user, forwarded_for):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, user, "wrong", forwarded_for)


def test_repeated_wrong_passwords_lock_the_login_and_the_page_says_for_how_long(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, owner, "wrong").status_code == 200

    locked = log_in(client, owner, "wrong")

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page and "15 minutes" in page


def test_once_locked_even_the_right_password_is_refused_until_the_cool_off(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, owner, "wrong")

    assert log_in(client, owner, OWNER_PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_clears_the_earlier_failures(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, owner, "wrong")
    assert log_in(client, owner, OWNER_PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, owner, "wrong").status_code == 200


def test_force_login_in_tests_still_works_with_the_lockout_backend_first(client, owner):
    client.force_login(owner)
    assert client.get("/").status_code == 200


# --- behind a reverse proxy (README "Deployment"): every request comes from the proxy's REMOTE_ADDR ----------


def test_without_trusted_proxies_a_forwarded_address_is_ignored_and_shares_the_proxys_lockout(client, owner, settings):
    settings.CONSOLE_TRUSTED_PROXIES = 0
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, owner, "wrong", forwarded_for=f"203.0.113.{number + 1}")

    assert log_in(client, owner, OWNER_PASSWORD, forwarded_for="198.51.100.7").status_code == 429


def test_behind_one_trusted_proxy_a_locked_out_address_does_not_lock_out_another(client, owner, settings):
    settings.CONSOLE_TRUSTED_PROXIES = 1
    fail_until_locked(client, owner, forwarded_for="203.0.113.9")

    assert log_in(client, owner, OWNER_PASSWORD, forwarded_for="203.0.113.9").status_code == 429
    assert log_in(client, owner, OWNER_PASSWORD, forwarded_for="198.51.100.7").status_code == 302


def test_a_made_up_left_hand_entry_does_not_get_the_attacker_past_the_lockout(client, owner, settings):
    settings.CONSOLE_TRUSTED_PROXIES = 1
    fail_until_locked(client, owner, forwarded_for="203.0.113.9")

    # The proxy appends what it saw (203.0.113.9) to whatever the client sent: the client's part is not read.
    spoofed = log_in(client, owner, OWNER_PASSWORD, forwarded_for="198.51.100.7, 203.0.113.9")
    assert spoofed.status_code == 429


def test_with_two_trusted_proxies_the_address_the_outer_one_saw_is_the_client(client, owner, settings):
    settings.CONSOLE_TRUSTED_PROXIES = 2
    fail_until_locked(client, owner, forwarded_for="198.51.100.7, 203.0.113.9, 10.0.0.2")

    assert log_in(client, owner, OWNER_PASSWORD, forwarded_for="1.2.3.4, 203.0.113.9, 10.0.0.3").status_code == 429
    assert log_in(client, owner, OWNER_PASSWORD, forwarded_for="198.51.100.7, 203.0.113.10, 10.0.0.2").status_code == 302


@pytest.mark.parametrize("trusted, forwarded, expected", [
    (0, "203.0.113.9", "10.0.0.1"),                    # the header is not read without trusted proxies
    (1, "", "10.0.0.1"),                               # a request that bypassed the proxy: its peer
    (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),
    (2, "198.51.100.7,203.0.113.9, 10.0.0.2", "203.0.113.9"),
    (2, "203.0.113.9", "10.0.0.1"),                    # fewer entries than proxies: nothing to trust
    (1, "not-an-address", "10.0.0.1"),
])
def test_the_client_address_is_the_nth_from_the_right_of_x_forwarded_for(rf, settings, trusted, forwarded, expected):
    from netmind_console.core.client_address import client_address

    settings.CONSOLE_TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
