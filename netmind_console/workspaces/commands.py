"""The --workspace option of the management commands: the workspace named (default: the user's personal one), if
the user holds the role the command needs there. The decision is the access helper's, as for a page."""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.http import Http404

from netmind_console.core.commands import name_text
from netmind_console.workspaces import access
from netmind_console.workspaces.services import (
    WorkspaceRuleBroken,
    personal_workspace,
    workspace_named,
)


def add_workspace_option(parser):
    parser.add_argument("--workspace", metavar="NAME", type=name_text,
                        help="The workspace to work in (default: the user's personal one)")


def workspace_for(user, name: str | None, minimum: str):
    try:
        workspace = workspace_named(name) if name else personal_workspace(user)
    except WorkspaceRuleBroken as error:
        raise CommandError(str(error)) from None
    as_if_signed_in = SimpleNamespace(user=user, session={})
    try:
        return access.require(as_if_signed_in, minimum, workspace=workspace)
    except Http404:
        raise CommandError(f"{user.get_username()} is not a member of {workspace.name}.") from None
    except PermissionDenied as refusal:
        raise CommandError(f"{user.get_username()} may not do this: {refusal}") from None
