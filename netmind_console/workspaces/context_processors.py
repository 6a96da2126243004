from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role, at_least


def workspace(request):
    """The header's workspace and switcher, and what the acting role may do (for showing controls).

    The acting role is the one in the workspace of the object the view fetched (set by `access.require`),
    else the current workspace's; so a job page of another workspace shows the controls that apply there.
    """
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = access.current_membership(request)
    if current is None:
        return {}
    role = getattr(request, "acting_role", current.role)
    return {
        "workspace": current.workspace,
        "workspace_memberships": sorted(access.memberships(request).values(), key=lambda m: m.workspace.name),
        "role": role,
        "can_submit": at_least(role, Role.MEMBER),
        "can_manage": at_least(role, Role.ADMIN),
        "can_own": at_least(role, Role.OWNER),
        # The header's links lead into the current workspace, whatever object the page shows.
        "can_submit_here": at_least(current.role, Role.MEMBER),
    }
