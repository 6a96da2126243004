"""What the workspace pages share: a member named in the URL."""

from django.shortcuts import get_object_or_404

from netmind_console.workspaces.models import Membership, Workspace


def member_of(workspace: Workspace, username: str) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user", "workspace"), workspace=workspace,
                             user__username=username)

