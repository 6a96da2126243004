"""Invite links: admins make and revoke them; the accept page signs a new person up, or lets a signed-in one join."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from netmind_console.core.forms import submitted
from netmind_console.workspaces import access, invitations, services
from netmind_console.workspaces.forms import InvitationForm, SignUpForm
from netmind_console.workspaces.models import Invitation
from netmind_console.workspaces.roles import Role

GONE = 410


@login_required
@require_safe
def invitation_list(request):
    workspace = access.require(request, Role.ADMIN)
    return _page(request, workspace, InvitationForm(inviter_role=access.role_in(request, workspace.pk)))


def _page(request, workspace, form, *, new_link=None, mailed="", status=200):
    context = {"shown": workspace, "form": form, "new_link": new_link, "mailed": mailed,
               "invitations": workspace.invitations.select_related("created_by", "accepted_by")}
    return render(request, "workspaces/invitations.html", context, status=status)


@login_required
@require_POST
def create(request, uuid):
    workspace = access.workspace_by_uuid(request, uuid, Role.ADMIN)
    form = InvitationForm(request.POST, inviter_role=access.role_in(request, workspace.pk))
    if not form.is_valid():
        return _page(request, workspace, form, status=400)
    data = form.cleaned_data
    try:
        invitation, secret = invitations.create(workspace, role=data["role"], days=data["days"], email=data["email"],
                                                actor=request.user, request=request)
    except services.WorkspaceRuleBroken as error:
        form.add_error(None, str(error))
        return _page(request, workspace, form, status=400)
    link = request.build_absolute_uri(reverse("invite_accept", args=[secret]))
    mailed = invitations.mail_link(invitation, link)
    # Shown here once: only the secret's hash is stored, so nobody can show this link again.
    fresh = InvitationForm(inviter_role=access.role_in(request, workspace.pk))
    return _page(request, workspace, fresh, new_link=link, mailed=mailed, status=201)


@login_required
@require_POST
def revoke(request, uuid):
    invitation = access.get_for(request, Invitation.objects.select_related("workspace"), Role.ADMIN, uuid=uuid)
    try:
        invitations.revoke(invitation, actor=request.user, request=request)
    except invitations.InvitationClosed as error:
        messages.error(request, f"{error} Nothing changed.")
    else:
        messages.success(request, "Revoked the invitation: its link no longer works.")
    return redirect("workspaces:invitations")


def accept(request, secret):
    """Open to anonymous visitors (the link is the credential): sign up, or join with one click."""
    invitation = invitations.find(secret)
    if invitation is None:
        raise Http404("This invitation link is not valid: check that it was copied whole.")
    if invitation.status != "open":
        return _closed(request, invitation.status)
    if request.user.is_authenticated:
        return _join(request, invitation)
    return _sign_up(request, invitation)


def _closed(request, status):
    return render(request, "workspaces/invite_closed.html", {"status": status}, status=GONE)


def _join(request, invitation):
    context = {"invitation": invitation}
    if access.role_in(request, invitation.workspace_id) is not None:
        return render(request, "workspaces/accept.html", {**context, "already": True}, status=409)
    if request.method != "POST":
        return render(request, "workspaces/accept.html", context)
    try:
        invitations.accept(invitation, request.user, request=request)
    except invitations.InvitationClosed as error:  # used or revoked since the page was shown
        return _closed(request, error.status)
    except services.WorkspaceRuleBroken:  # joined through another link a moment ago
        return render(request, "workspaces/accept.html", {**context, "already": True}, status=409)
    return _joined(request, invitation)


def _sign_up(request, invitation):
    form = SignUpForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # no account is left behind if the link was used a moment ago
                user = form.save()
                invitations.accept(invitation, user, request=request)
        except invitations.InvitationClosed as error:
            return _closed(request, error.status)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _joined(request, invitation)
    return render(request, "workspaces/accept.html", {"invitation": invitation, "form": form},
                  status=400 if form.errors else 200)


def _joined(request, invitation):
    access.make_current(request, invitation.workspace)
    messages.success(request, f"Welcome to {invitation.workspace.name}: you joined as "
                              f"{invitation.get_role_display().lower()}.")
    return redirect("dashboard")
