"""What the workspace pages share: a workspace or member from the URL, with the caller's rights checked."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from netmind_console.workspaces import access
from netmind_console.workspaces.models import Membership, Workspace


def workspace_for(request, uuid, minimum: str) -> Workspace:
    """The workspace of that UUID if the caller holds `minimum` in it: 404 for a non-member, 403 below it."""
    for membership in access.memberships(request).values():
        if membership.workspace.uuid == uuid:
            return access.require(request, minimum, workspace=membership.workspace)
    raise Http404("No such workspace.")


def member_of(workspace: Workspace, username: str) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user", "workspace"), workspace=workspace,
                             user__username=username)


def make_current(request, workspace: Workspace):
    """The header's choice, for a workspace the user joined during this request (the memberships read at its
    start do not hold it yet, so `access.choose` would not find it)."""
    request.session[access.SESSION_KEY] = str(workspace.uuid)
    if hasattr(request, "_memberships"):
        del request._memberships
