"""The header's switcher, a new workspace, and the workspace's settings: rename and delete (owners), webhook
(admins; its form comes from the accounts app through the page registry)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from netmind_console.core.forms import submitted
from netmind_console.core.registry import page_context
from netmind_console.workspaces import access, services
from netmind_console.workspaces.forms import DeleteWorkspaceForm, WorkspaceNameForm
from netmind_console.workspaces.roles import Role


@login_required
@require_POST
def switch(request):
    workspace = access.choose(request, request.POST.get("workspace", ""))
    messages.success(request, f"Now working in {workspace.name}.")
    return redirect("dashboard")


@login_required
def new(request):
    form = WorkspaceNameForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.create_workspace(form.cleaned_data["name"], request.user)
        except services.WorkspaceRuleBroken as error:
            form.add_error("name", str(error))
        else:
            access.make_current(request, workspace)
            messages.success(request, f"Created {workspace.name}; you own it. Invite your team from Members.")
            return redirect("workspaces:members")
    return render(request, "workspaces/new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_safe
def settings_page(request):
    workspace = access.require(request, Role.ADMIN)
    return _settings(request, workspace, WorkspaceNameForm(initial={"name": workspace.name}))


def _settings(request, workspace, rename_form, status=200):
    context = {"shown": workspace, "rename_form": rename_form, **page_context("workspace_settings", request)}
    return render(request, "workspaces/settings.html", context, status=status)


@login_required
@require_POST
def rename(request, uuid):
    workspace = access.workspace_by_uuid(request, uuid, Role.OWNER)
    form = WorkspaceNameForm(request.POST)
    if form.is_valid():
        try:
            services.rename(workspace, form.cleaned_data["name"], actor=request.user, request=request)
        except services.WorkspaceRuleBroken as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Renamed to {workspace.name}.")
            return redirect("workspaces:settings")
    return _settings(request, workspace, form, status=400)


@login_required
def delete(request, uuid):
    workspace = access.workspace_by_uuid(request, uuid, Role.OWNER)
    form = DeleteWorkspaceForm(submitted(request), workspace=workspace)
    if request.method == "POST" and form.is_valid():
        name = workspace.name
        try:
            services.delete_workspace(workspace, actor=request.user, request=request)
        except services.WorkspaceRuleBroken as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Deleted {name} and everything in it.")
            return redirect("dashboard")
    return render(request, "workspaces/delete.html", {"shown": workspace, "form": form},
                  status=400 if form.errors else 200)
