"""What a person reads around signing in: a warning before the lockout, and a confirmation of a new password."""

import html

import pytest
from django.conf import settings

from tests.conftest import OWNER_PASSWORD

pytestmark = pytest.mark.django_db


def failed_login(client, username) -> str:
    response = client.post("/login/", {"username": username, "password": "wrong"})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_last_attempts_before_the_lockout_are_counted_down(client, owner):
    pages = [failed_login(client, "alice") for _ in range(settings.AXES_FAILURE_LIMIT - 1)]

    assert ["attempt" in page and "left before" in page for page in pages] == [False, False, True, True]
    assert "2 attempts left before logging in as alice from your address is locked for 15 minutes." in pages[2]
    assert "1 attempt left before logging in as alice from your address is locked for 15 minutes." in pages[3]


def test_a_made_up_username_reads_the_same_so_the_warning_reveals_no_account(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        page = failed_login(client, "nobody")

    assert "2 attempts left before logging in as nobody from your address is locked" in page


def test_a_changed_password_is_confirmed(owner_client):
    response = owner_client.post("/password/", {"old_password": OWNER_PASSWORD, "new_password1": "N3w-pass-phrase!",
                                                "new_password2": "N3w-pass-phrase!"}, follow=True)

    assert response.redirect_chain[-1][0] == "/settings/"
    assert "Your password was changed." in html.unescape(response.content.decode())
