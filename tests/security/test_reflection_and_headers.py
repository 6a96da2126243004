"""What a request carries never comes back as markup, and pages for a signed-in user are never cached.

The database is all these need: they override this folder's live-sandbox `console_setup` with the gallery's.
"""

import pytest
from django.urls import reverse

from netmind_console.accounts.models import ProviderAccount
from netmind_console.workspaces.services import personal_workspace
from tests.jobs.gallery_fixtures import (  # noqa: F401 (fixtures)
    console_setup,
    make_archived,
    make_job,
    media_root,
    png_bytes,
    static_without_collectstatic,
)

PAYLOAD = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
GALLERY = reverse("jobs:gallery")
BULK = reverse("jobs:bulk")
A_UUID = "7c0b6b64-3f2d-4a56-9d7e-2b8c1f0a9e11"


def assert_not_reflected(response):
    text = response.content.decode()
    assert PAYLOAD not in text
    assert ESCAPED in text  # the person still reads what was wrong


# --- reflected values ------------------------------------------------------------------------------


def test_a_page_position_carrying_markup_is_a_400_gallery_page_with_it_escaped(owner_client):
    response = owner_client.get(GALLERY, {"after": PAYLOAD})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"<h1>Gallery</h1>" in response.content
    assert_not_reflected(response)


def test_a_page_position_carrying_markup_is_escaped_in_the_htmx_fragment_too(owner_client):
    response = owner_client.get(GALLERY, {"after": PAYLOAD}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert_not_reflected(response)


@pytest.mark.parametrize(
    "data",
    [{"action": PAYLOAD, "ids": [A_UUID]}, {"action": "delete", "ids": [PAYLOAD]}, {"action": "zip", "ids": [A_UUID, PAYLOAD]}],
)  # fmt: skip
def test_a_bulk_action_carrying_markup_is_a_400_gallery_page_with_it_escaped(owner_client, data):
    response = owner_client.post(BULK, data)

    assert response.status_code == 400
    assert b"<h1>Gallery</h1>" in response.content
    assert_not_reflected(response)


def test_a_bad_bulk_action_shows_the_gallery_around_the_message(owner_client, owner, media_root):
    output = make_archived(make_job(owner), media_root, png_bytes())

    response = owner_client.post(BULK, {"action": "burn", "ids": [A_UUID]})

    assert response.status_code == 400
    assert "Unknown action “burn”" in response.content.decode()
    assert str(output.uuid).encode() in response.content


def test_a_token_ending_in_markup_shows_escaped_in_the_account_forms_help(owner_client, owner):
    account = ProviderAccount(owner=owner, workspace=personal_workspace(owner), provider="netmind", label="Default",
                              base_url="https://api.netmind.ai")
    account.set_token("tok-12345<b>X")
    account.save()

    response = owner_client.get(reverse("account_edit", args=[account.uuid]))

    assert response.status_code == 200
    text = response.content.decode()
    assert "<b>X" not in text
    assert "••••&lt;b&gt;X" in text


def test_help_text_that_is_markup_on_purpose_still_renders_as_markup(owner_client):
    response = owner_client.get(reverse("password_change"))

    assert response.status_code == 200
    assert b"<li>Your password" in response.content  # Django's password rules: format_html, safe by construction
    assert b"&lt;li&gt;" not in response.content


# --- Cache-Control ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard", "jobs:gallery", "settings", "jobs:list"])
def test_pages_for_a_signed_in_user_are_never_stored(owner_client, name):
    response = owner_client.get(reverse(name))

    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_an_error_page_for_a_signed_in_user_is_never_stored_either(owner_client):
    response = owner_client.get(GALLERY, {"after": "nonsense"})

    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]


def test_media_keep_their_own_private_revalidated_caching(owner_client, owner, media_root):
    output = make_archived(make_job(owner), media_root, png_bytes())

    response = owner_client.get(reverse("jobs:media", args=[output.uuid]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["ETag"] == f'"{output.sha256}"'

