"""`manage.py api_key create|list|revoke`, as a script would use it: `KEY=$(manage.py api_key create …)`."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from netmind_console.api.models import ApiKey
from tests.fixtures.teams import join

from .conftest import ApiClient, key_for


def run(*args) -> str:
    out = io.StringIO()
    call_command("api_key", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_prints_only_the_key_and_it_works_as_a_bearer_key(owner, studio):
    printed = run("create", "--user", "alice", "--workspace", "Studio", "--scope", "read", "--name", "CI")
    key = ApiKey.objects.get()
    assert printed.strip().startswith(f"nmc_{key.prefix}_") and printed.count("\n") == 1
    assert (key.name, key.scope, key.workspace) == ("CI", "read", studio)
    assert ApiClient(printed.strip()).get("/usage").status_code == 200


def test_without_a_workspace_the_key_acts_in_the_users_personal_one_until_its_expiry(owner):
    day = timezone.localdate() + timedelta(days=2)
    run("create", "--user", "alice", "--scope", "write", "--name", "laptop", "--expires", day.isoformat())
    key = ApiKey.objects.get()
    assert key.workspace.personal_for == owner and timezone.localtime(key.expires_at).date() == day


def test_list_shows_prefix_owner_workspace_scope_status_and_last_use_but_never_the_secret(owner, other, studio):
    join(studio, other, "member")
    alices = key_for(owner, name="laptop", scope="read")
    bobs = key_for(other, studio, name="bot")
    ApiClient(bobs).get("/usage")
    alice_key, bob_key = ApiKey.objects.get(name="laptop"), ApiKey.objects.get(name="bot")

    listed = run("list")
    assert alices not in listed and bobs not in listed
    rows = [line.split("\t") for line in listed.splitlines()]
    assert rows[0] == [f"nmc_{alice_key.prefix}", "laptop", "alice", "alice", "read", "active", "never"]
    assert rows[1][:6] == [f"nmc_{bob_key.prefix}", "bot", "bob", "Studio", "write", "active"]
    assert rows[1][6].startswith(timezone.now().strftime("%Y-%m-%d"))
    assert [r[1] for r in (line.split("\t") for line in run("list", "--user", "bob").splitlines())] == ["bot"]
    assert [r[1] for r in (line.split("\t") for line in run("list", "--workspace", "alice").splitlines())] == ["laptop"]


def test_revoke_by_the_prefix_list_shows_makes_the_key_401(owner):
    secret = key_for(owner)
    shown_prefix = run("list").split("\t")[0]
    assert "Revoked" in run("revoke", shown_prefix)
    assert ApiClient(secret).get("/usage").status_code == 401
    assert "\trevoked\t" in run("list")
    assert "revoked already" in run("revoke", shown_prefix)


@pytest.mark.parametrize("args, message", [
    (["create", "--user", "nobody", "--scope", "read", "--name", "x"], "--user: No user named 'nobody'"),
    (["create", "--user", "alice", "--workspace", "Nowhere", "--scope", "read", "--name", "x"],
     "--workspace: No workspace named “Nowhere”"),
    (["create", "--user", "alice", "--workspace", "bob", "--scope", "read", "--name", "x"],
     "--workspace: alice is not a member of bob"),
    (["create", "--user", "alice", "--scope", "read", "--name", "x" * 81], "--name: .*at most 80 characters"),
    (["create", "--user", "alice", "--scope", "read", "--name", "x", "--expires", "2001-01-01"],
     "--expires: Choose a day after today"),
    (["create", "--user", "alice", "--scope", "read", "--name", "x", "--expires", "soon"],
     "--expires: Enter a valid date"),
    (["create", "--user", "alice", "--scope", "admin", "--name", "x"], "--scope.*invalid choice"),
    (["list", "--user", "nobody"], "--user: No user named 'nobody'"),
    (["revoke", "nmc_00000000"], "No API key with the prefix 'nmc_00000000'"),
])
def test_bad_input_is_a_command_error_naming_the_option_and_nothing_is_saved(owner, other, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiKey.objects.exists()
