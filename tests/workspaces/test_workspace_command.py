"""`manage.py workspace create|add-member|list`."""

import pytest
from django.core.management import CommandError, call_command

from netmind_console.workspaces.models import Membership, Workspace
from netmind_console.workspaces.roles import Role

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("workspace", *args, stdout=out)
    return out.getvalue()


def test_create_add_a_member_and_list(owner, other):
    assert "Created Studio, owned by alice" in run("create", "--name", "Studio", "--owner", "alice")
    assert "Added bob to Studio as viewer" in run("add-member", "--workspace", "Studio", "--user", "bob",
                                                  "--role", "viewer")

    assert Membership.objects.get(workspace__name="Studio", user=other).role == Role.VIEWER
    assert run("list", "--user", "bob").splitlines() == ["Studio\tviewer\t2 members", "bob\towner\t1 member"]


@pytest.mark.parametrize("args, message", [
    (["create", "--name", "Studio", "--owner", "nobody"], "No user named 'nobody'"),
    (["create", "--name", "   ", "--owner", "alice"], "A workspace needs a name"),
    (["create", "--name", "x" * 81, "--owner", "alice"], "--name: at most 80 characters"),
    (["add-member", "--workspace", "Nowhere", "--user", "bob", "--role", "member"], "No workspace named “Nowhere”"),
    (["add-member", "--workspace", "alice", "--user", "alice", "--role", "member"], "already a member"),
    (["list", "--user", "nobody"], "No user named 'nobody'"),
])
def test_bad_input_is_a_command_error_naming_it(owner, other, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_taken_name_is_refused(owner):
    run("create", "--name", "Studio", "--owner", "alice")

    with pytest.raises(CommandError, match="exists already"):
        run("create", "--name", "Studio", "--owner", "alice")
    assert Workspace.objects.filter(name="Studio").count() == 1


def test_an_unknown_role_is_refused_by_the_parser(owner, other):
    with pytest.raises(CommandError, match="invalid choice: 'emperor'"):
        run("add-member", "--workspace", "alice", "--user", "bob", "--role", "emperor")
