"""Guessing passwords: after a few failures the login is locked for a while, and the page says so."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PASSWORD = "pw-alice-correct-123"


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password=PASSWORD)


def log_in(client, password):
    return client.post("/login/", {"username": "alice", "password": password})


def test_repeated_wrong_passwords_lock_the_login_and_the_page_says_for_how_long(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200

    locked = log_in(client, "wrong")

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page and "15 minutes" in page


def test_once_locked_even_the_right_password_is_refused_until_the_cool_off(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")

    assert log_in(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_clears_the_earlier_failures(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200


def test_force_login_in_tests_still_works_with_the_lockout_backend_first(client, alice):
    client.force_login(alice)
    assert client.get("/").status_code == 200
