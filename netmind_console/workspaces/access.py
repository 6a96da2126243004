"""Who may do what: the one place that answers it, for pages, fragments, commands and the API alike.

An object is found by its UUID, then the caller's membership of the object's workspace decides: no
membership is a 404 (as if the object did not exist), a role below the action's minimum a 403. Lists and
forms work in the current workspace (kept in the session). Memberships are read once per request, so a
member removed a moment ago is refused on their next request.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404

from netmind_console.workspaces.models import Membership, Workspace
from netmind_console.workspaces.roles import Role, at_least

SESSION_KEY = "workspace"


def memberships(request) -> dict[int, Membership]:
    """The user's memberships by workspace id, read once per request."""
    if not hasattr(request, "_memberships"):
        request._memberships = {}
        if request.user.is_authenticated:
            # No ordering: every request reads this, and the model's default order joins the users table.
            rows = Membership.objects.filter(user=request.user).select_related("workspace").order_by()
            request._memberships = {m.workspace_id: m for m in rows}
    return request._memberships


def role_in(request, workspace_id) -> str | None:
    membership = memberships(request).get(workspace_id)
    return membership.role if membership else None


def _membership_of(request, workspace_uuid) -> Membership | None:
    return next((m for m in memberships(request).values() if str(m.workspace.uuid) == str(workspace_uuid)), None)


def current_membership(request) -> Membership | None:
    """The workspace chosen in the header (the session), else the personal one, else any."""
    mine = memberships(request)
    if not mine:
        return None
    chosen = _membership_of(request, request.session.get(SESSION_KEY))
    if chosen:
        return chosen
    personal = [m for m in mine.values() if m.workspace.personal_for_id == request.user.pk]
    return personal[0] if personal else min(mine.values(), key=lambda m: m.workspace.name)


def current_workspace(request) -> Workspace:
    """The workspace lists and forms work in; a signed-in user without any membership sees a 404."""
    membership = current_membership(request)
    if membership is None:
        raise Http404("You are not a member of any workspace.")
    return membership.workspace


def require(request, minimum: str, workspace=None) -> Workspace:
    """The current workspace (or `workspace`) if the caller holds at least `minimum` in it: else 404 / 403."""
    workspace = workspace or current_workspace(request)
    role = role_in(request, workspace.pk)
    if role is None:
        raise Http404("No such workspace.")
    if not at_least(role, minimum):
        raise PermissionDenied(f"This needs the {Role(minimum).label.lower()} role in {workspace.name}.")
    request.acting_role = role
    return workspace


def get_for(request, queryset, minimum: str = Role.VIEWER, **lookup):
    """The object of `queryset` matching `lookup` (a UUID), if the caller may act on it with `minimum`."""
    obj = queryset.filter(**lookup).first()
    if obj is None or role_in(request, obj.workspace_id) is None:
        raise Http404("Nothing here.")
    require(request, minimum, workspace=_workspace_of(request, obj))
    return obj


def visible_to(user_id, queryset):
    """`queryset` narrowed, in its own SQL, to the workspaces the user is a member of (every role reads): for a page's
    poll that answers from one query. What it leaves out is a 404 to them, as `get_for` answers a non-member. (A page
    acts for its signed-in user; an API key, which reaches one workspace only, goes through `get_for`.)"""
    return queryset.filter(Exists(Membership.objects.filter(workspace_id=OuterRef("workspace_id"), user_id=user_id)))


def _workspace_of(request, obj) -> Workspace:
    return memberships(request)[obj.workspace_id].workspace


def may(request, minimum: str, workspace=None) -> bool:
    workspace_id = workspace.pk if workspace else current_workspace(request).pk
    return at_least(role_in(request, workspace_id), minimum)


def workspace_by_uuid(request, workspace_uuid, minimum: str) -> Workspace:
    """The workspace a URL names, if the caller holds `minimum` in it: 404 for a non-member, 403 below it."""
    membership = _membership_of(request, workspace_uuid)
    if membership is None:
        raise Http404("No such workspace.")
    return require(request, minimum, workspace=membership.workspace)


def choose(request, workspace_uuid: str) -> Workspace:
    """Make a workspace of the user's the current one (the header's switcher)."""
    workspace = workspace_by_uuid(request, workspace_uuid, Role.VIEWER)
    request.session[SESSION_KEY] = str(workspace.uuid)
    return workspace


def make_current(request, workspace: Workspace):
    """The header's choice, for a workspace the user joined or made during this request (the memberships read
    at its start do not hold it yet, so they are read again when next asked for)."""
    request.session[SESSION_KEY] = str(workspace.uuid)
    if hasattr(request, "_memberships"):
        del request._memberships


def act_only_in(request, membership: Membership):
    """An API key acts in its one workspace: every lookup above sees that membership and no other, so another
    workspace's object is a 404 to the key even when its user belongs there too."""
    request._memberships = {membership.workspace_id: membership}
