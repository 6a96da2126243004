"""Guessing passwords: after a few failures the login is locked for a while, and the page says so."""

import pytest
from django.conf import settings

from tests.conftest import OWNER_PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, user, password):
    return client.post("/login/", {"username": user.username, "password": password})


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
