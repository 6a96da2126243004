"""Workspaces and their members: the operations behind the pages and `manage.py workspace`.

Every change of access writes its audit row in the same transaction. A workspace always keeps an owner.
"""

from django.db import transaction

from netmind_console.workspaces import audit
from netmind_console.workspaces.models import Membership, Workspace
from netmind_console.workspaces.roles import Role


class WorkspaceRuleBroken(ValueError):
    """A change the rules do not allow; the message says which rule, for the page or the command."""


def personal_workspace(user) -> Workspace:
    """The user's own workspace, made on first need (every user has one; it cannot be deleted)."""
    existing = Workspace.objects.filter(personal_for=user).first()
    if existing:
        return existing
    with transaction.atomic():
        workspace = Workspace.objects.create(name=_free_name(user.get_username()), personal_for=user)
        Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


def _free_name(wanted: str) -> str:
    name, number = wanted[:70], 1
    while Workspace.objects.filter(name=name).exists():
        number += 1
        name = f"{wanted[:70]} ({number})"
    return name


def create_workspace(name: str, owner) -> Workspace:
    name = name.strip()
    if not name:
        raise WorkspaceRuleBroken("A workspace needs a name.")
    if Workspace.objects.filter(name=name).exists():
        raise WorkspaceRuleBroken(f"A workspace named “{name}” exists already.")
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name)
        Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        audit.record(workspace, owner, "workspace.created", workspace.name)
    return workspace


def add_member(workspace, user, role: str, *, actor=None, request=None, action="member.added") -> Membership:
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise WorkspaceRuleBroken(f"{user.get_username()} is already a member of {workspace.name}.")
    with transaction.atomic():
        membership = Membership.objects.create(workspace=workspace, user=user, role=role)
        audit.record(workspace, actor or user, action, user.get_username(), after={"role": role}, request=request)
    return membership


def change_role(membership: Membership, role: str, *, actor, request=None) -> Membership:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("workspace", "user").get(pk=membership.pk)
        if locked.role == Role.OWNER and role != Role.OWNER:
            _keep_an_owner(locked)
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        audit.record(locked.workspace, actor, "member.role_changed", locked.user.get_username(),
                     before={"role": before}, after={"role": role}, request=request)
    return locked


def remove_member(membership: Membership, *, actor, request=None):
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("workspace", "user").get(pk=membership.pk)
        if locked.role == Role.OWNER:
            _keep_an_owner(locked)
        if locked.workspace.personal_for_id == locked.user_id:
            raise WorkspaceRuleBroken("Nobody can be removed from their own personal workspace.")
        locked.delete()
        audit.record(locked.workspace, actor, "member.removed", locked.user.get_username(),
                     before={"role": locked.role}, request=request)


def _keep_an_owner(owner_membership: Membership):
    others = Membership.objects.filter(workspace=owner_membership.workspace_id, role=Role.OWNER).exclude(
        pk=owner_membership.pk)
    if not others.exists():
        raise WorkspaceRuleBroken("A workspace always keeps at least one owner: make someone else owner first.")


def transfer_ownership(workspace, to: Membership, *, actor, request=None):
    """`to` becomes owner and the acting owner steps down to admin."""
    with transaction.atomic():
        change_role(to, Role.OWNER, actor=actor, request=request)
        mine = Membership.objects.get(workspace=workspace, user=actor)
        change_role(mine, Role.ADMIN, actor=actor, request=request)


def set_limits(membership: Membership, *, jobs, credits, actor, request=None) -> Membership:
    with transaction.atomic():
        before = _limits(membership)
        membership.monthly_job_limit, membership.monthly_credit_limit = jobs, credits
        membership.save(update_fields=["monthly_job_limit", "monthly_credit_limit"])
        audit.record(membership.workspace, actor, "member.limits_changed", membership.user.get_username(),
                     before=before, after=_limits(membership), request=request)
    return membership


def _limits(membership) -> dict:
    credits = membership.monthly_credit_limit
    return {"jobs": membership.monthly_job_limit, "credits": None if credits is None else str(credits)}


def rename(workspace, name: str, *, actor, request=None) -> Workspace:
    name = name.strip()
    if not name:
        raise WorkspaceRuleBroken("A workspace needs a name.")
    if Workspace.objects.filter(name=name).exclude(pk=workspace.pk).exists():
        raise WorkspaceRuleBroken(f"A workspace named “{name}” exists already.")
    with transaction.atomic():
        before = workspace.name
        workspace.name = name
        workspace.save(update_fields=["name"])
        audit.record(workspace, actor, "workspace.renamed", name, before={"name": before}, after={"name": name},
                     request=request)
    return workspace


def delete_workspace(workspace, *, actor, request=None):
    """Deletes the workspace and everything it owns; refused while it runs endpoints, or if it is personal."""
    if workspace.is_personal:
        raise WorkspaceRuleBroken("A personal workspace cannot be deleted.")
    if workspace.endpoints.exclude(status="deleted").exists():
        raise WorkspaceRuleBroken("This workspace still has endpoints: delete them first, so nothing keeps billing.")
    with transaction.atomic():
        audit.record(workspace, actor, "workspace.deleted", workspace.name, request=request)
        workspace.delete()


def workspace_named(name: str) -> Workspace:
    """For commands: the workspace of that name, or a message naming what is missing."""
    workspace = Workspace.objects.filter(name=name).first()
    if workspace is None:
        raise WorkspaceRuleBroken(f"No workspace named “{name}”.")
    return workspace
