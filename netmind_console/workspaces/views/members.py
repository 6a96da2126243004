"""The members page: anyone in the workspace sees who is in it; admins remove and set limits; owners change roles."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from netmind_console.core.registry import page_context
from netmind_console.workspaces import access, services
from netmind_console.workspaces.forms import LimitsForm, RoleForm
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.views.common import member_of


@login_required
@require_safe
def members(request):
    return _page(request, access.require(request, Role.VIEWER))


def _page(request, workspace, *, error=None, limits_form=None, limits_for=None, status=200):
    usage = {}
    if workspace == access.current_workspace(request):  # the jobs app counts use in the current workspace
        usage = page_context("members", request).get("member_usage", {})
    rows = [{"membership": m, "usage": usage.get(m.user_id),
             "limits_form": limits_form if m.user.username == limits_for else _limits_form(m)}
            for m in workspace.memberships.select_related("user").order_by("user__username")]
    context = {"shown": workspace, "rows": rows, "error": error, "roles": Role.choices}
    return render(request, "workspaces/members.html", context, status=status)


def _limits_form(membership):
    return LimitsForm(initial={"jobs": membership.monthly_job_limit, "credits": membership.monthly_credit_limit})


def _refused(request, workspace, error):
    """A rule the services enforce (keep an owner, nobody leaves their personal workspace): its words, 400."""
    return _page(request, workspace, error=str(error), status=400)


@login_required
def remove(request, uuid, username):
    workspace = access.workspace_by_uuid(request, uuid, Role.ADMIN)
    membership = member_of(workspace, username)
    if membership.role == Role.OWNER:  # admins remove members, not owners
        access.require(request, Role.OWNER, workspace=workspace)
    if request.method != "POST":
        return render(request, "workspaces/remove_member.html", {"shown": workspace, "membership": membership})
    try:
        services.remove_member(membership, actor=request.user, request=request)
    except services.WorkspaceRuleBroken as error:
        return _refused(request, workspace, error)
    messages.success(request, f"Removed {username} from {workspace.name}.")
    return redirect("workspaces:members")


@login_required
@require_POST
def set_limits(request, uuid, username):
    workspace = access.workspace_by_uuid(request, uuid, Role.ADMIN)
    membership = member_of(workspace, username)
    form = LimitsForm(request.POST)
    if not form.is_valid():
        return _page(request, workspace, limits_form=form, limits_for=username, status=400,
                     error=f"The limits of {username} were not saved: see the form.")
    services.set_limits(membership, jobs=form.cleaned_data["jobs"], credits=form.cleaned_data["credits"],
                        actor=request.user, request=request)
    messages.success(request, f"Saved the monthly limits of {username}.")
    return redirect("workspaces:members")


@login_required
@require_POST
def change_role(request, uuid, username):
    workspace = access.workspace_by_uuid(request, uuid, Role.OWNER)
    membership = member_of(workspace, username)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _refused(request, workspace, f"Choose one of the roles: {', '.join(Role.values)}.")
    try:
        services.change_role(membership, form.cleaned_data["role"], actor=request.user, request=request)
    except services.WorkspaceRuleBroken as error:
        return _refused(request, workspace, error)
    messages.success(request, f"{username} is now {Role(form.cleaned_data['role']).label.lower()}.")
    return redirect("workspaces:members")


@login_required
@require_POST
def transfer(request, uuid, username):
    """`username` becomes owner; the acting owner stays on as admin."""
    workspace = access.workspace_by_uuid(request, uuid, Role.OWNER)
    membership = member_of(workspace, username)
    if membership.user_id == request.user.pk:
        return _refused(request, workspace, "You own this workspace already: choose another member.")
    services.transfer_ownership(workspace, membership, actor=request.user, request=request)
    messages.success(request, f"{username} owns {workspace.name} now; you are an admin.")
    return redirect("workspaces:members")
