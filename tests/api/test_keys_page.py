"""Settings → API keys: a person's own keys, created with the secret shown once, revoked after a confirmation."""

import re
from datetime import timedelta

from django.utils import timezone

from netmind_console.api.models import ApiKey
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.services import personal_workspace
from tests.fixtures.teams import join, work_in

from .conftest import ApiClient, key_for

PAGE = "/settings/api-keys/"
SECRET = re.compile(r"nmc_[0-9a-f]+_[A-Za-z0-9_-]{20,}")


def create(client, workspace, **fields):
    return client.post(PAGE, {"name": "CI renders", "workspace": workspace.uuid, "scope": "write", **fields})


def secrets_in(response) -> set[str]:
    return set(SECRET.findall(response.content.decode()))


def field_group(response, name) -> str:
    """The form's field block for `name`: its control, help and error (templates/django/forms/field.html)."""
    html = response.content.decode()
    start = html.index(f'name="{name}"')
    end = min(html.find(marker, start) % len(html) for marker in ('<div class="field', "</form>"))
    return html[html.rindex('<div class="field', 0, start):end]


def test_a_new_keys_secret_is_shown_once_uncached_and_works_as_a_bearer_key(owner_client, owner):
    created = create(owner_client, personal_workspace(owner))

    assert created.status_code == 201 and "no-store" in created["Cache-Control"]
    assert "it will not be shown again" in created.content.decode()
    [secret] = secrets_in(created)
    assert ApiClient(secret).get("/usage").status_code == 200
    key = ApiKey.objects.get()
    assert (key.name, key.scope, key.user, key.workspace) == ("CI renders", "write", owner, personal_workspace(owner))
    assert AuditEntry.objects.filter(action="api_key.created", actor=owner).exists()

    listed = owner_client.get(PAGE)
    assert f"nmc_{key.prefix}_…" in listed.content.decode() and secrets_in(listed) == set()
    assert secret not in str(list(ApiKey.objects.values())) and secret not in str(list(AuditEntry.objects.values()))


def test_the_list_shows_only_my_keys_in_every_workspace_with_scope_expiry_last_use_and_status(
        owner_client, owner, other, studio):
    key_for(owner, name="laptop", scope="read")
    ApiClient(key_for(owner, studio, name="studio bot")).get("/usage")
    key_for(owner, name="old", expires_at=timezone.now() - timedelta(days=1))
    key_for(other, name="bobs key")

    html = owner_client.get(PAGE).content.decode()
    rows = {key.name: html[html.index(f'id="key-{key.uuid}"'):].split("</tr>")[0] for key in owner.api_keys.all()}
    assert "Read" in rows["laptop"] and "never" in rows["laptop"] and ">active<" in rows["laptop"]
    assert "Studio" in rows["studio bot"] and "Read and write" in rows["studio bot"]
    assert timezone.now().strftime("%Y-%m-%d") in rows["studio bot"].split('data-label="Last used">')[1]
    assert ">expired<" in rows["old"]
    assert "bobs key" not in html


def test_someone_without_keys_sees_an_empty_state_and_the_form_starts_in_the_current_workspace(
        owner_client, owner, studio):
    work_in(owner_client, studio)
    page = owner_client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200 and "No API key yet" in html
    assert re.search(rf'<option value="{studio.uuid}" selected>Studio</option>', html)
    assert f'value="{personal_workspace(owner).uuid}"' in html


def test_revoking_asks_for_confirmation_then_the_key_gets_401(owner_client, owner):
    secret = key_for(owner)
    key = ApiKey.objects.get()
    url = f"/settings/api-keys/{key.uuid}/revoke/"

    confirm = owner_client.get(url)
    assert confirm.status_code == 200 and "Revoke key" in confirm.content.decode()
    assert ApiClient(secret).get("/usage").status_code == 200

    revoked = owner_client.post(url)
    assert revoked.status_code == 302 and revoked["Location"] == PAGE
    assert ApiClient(secret).get("/usage").status_code == 401
    assert ">revoked<" in owner_client.get(PAGE).content.decode()
    assert AuditEntry.objects.filter(action="api_key.revoked", actor=owner).exists()


def test_bob_cannot_see_or_revoke_alices_key(other_client, owner):
    secret = key_for(owner)
    url = f"/settings/api-keys/{ApiKey.objects.get().uuid}/revoke/"
    assert other_client.get(url).status_code == 404
    assert other_client.post(url).status_code == 404
    assert ApiKey.objects.get().status == "active" and ApiClient(secret).get("/usage").status_code == 200


def test_a_past_expiry_is_refused_under_the_field_and_nothing_is_saved(owner_client, owner):
    yesterday = timezone.localdate() - timedelta(days=1)
    refused = create(owner_client, personal_workspace(owner), expires=yesterday.isoformat())
    assert refused.status_code == 400
    assert "Choose a day after today" in field_group(refused, "expires")
    assert not ApiKey.objects.exists() and secrets_in(refused) == set()


def test_a_future_expiry_ends_the_key_at_the_start_of_that_day(owner_client, owner):
    day = timezone.localdate() + timedelta(days=30)
    assert create(owner_client, personal_workspace(owner), expires=day.isoformat()).status_code == 201
    expires_at = timezone.localtime(ApiKey.objects.get().expires_at)
    assert (expires_at.date(), expires_at.hour, expires_at.minute) == (day, 0, 0)


def test_bad_input_is_named_under_its_field_and_saves_nothing(owner_client, owner, other):
    cases = [({"name": ""}, "name", "This field is required"),
             ({"name": "x" * 81}, "name", "at most 80 characters"),
             ({"scope": "admin"}, "scope", "Select a valid choice"),
             ({"expires": "next week"}, "expires", "Enter a valid date")]
    for fields, field, message in cases:
        response = create(owner_client, personal_workspace(owner), **fields)
        assert response.status_code == 400 and message in field_group(response, field), fields
    bobs_workspace = create(owner_client, personal_workspace(other))
    assert bobs_workspace.status_code == 400 and "Select a valid choice" in field_group(bobs_workspace, "workspace")
    assert not ApiKey.objects.exists()


def test_a_viewer_may_create_a_write_key_and_is_told_it_acts_with_their_role(other_client, other, studio):
    """What such a key may do is the API's decision (the viewer's role), crawled in the API's own tests."""
    join(studio, other, "viewer")
    assert "read and write key is still refused every change" in other_client.get(PAGE).content.decode()
    created = create(other_client, studio)
    assert created.status_code == 201 and "It acts in Studio with your role there" in created.content.decode()
    assert ApiKey.objects.get().scope == "write"


def test_the_settings_page_links_to_api_keys_and_the_api_documentation(owner_client):
    html = owner_client.get("/settings/").content.decode()
    assert f'href="{PAGE}"' in html and 'href="/api/v1/docs/"' in html


def test_a_key_whose_owner_left_its_workspace_says_so_on_the_list(other_client, other, studio):
    from netmind_console.workspaces.services import remove_member

    membership = join(studio, other, "member")
    key_for(other, studio, name="studio script")
    remove_member(membership, actor=studio.memberships.get(role="owner").user)
    row = re.search(r'<tr id="key-[^"]+">.*?</tr>', other_client.get("/settings/api-keys/").content.decode(), re.S)
    assert "studio script" in row.group(0) and "no longer a member" in row.group(0)
