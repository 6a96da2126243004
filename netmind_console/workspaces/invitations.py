"""Invite links: single use, at most a week, revocable. Only the hash of a link's secret is stored, so the link
is shown once, to the admin who made it (and mailed, when the console can send mail)."""

import logging
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from netmind_console.workspaces import audit, services
from netmind_console.workspaces.models import (
    Invitation,
    Membership,
    hash_invitation_secret,
)
from netmind_console.workspaces.roles import Role, at_least

MAX_DAYS = 7
MAILED, MAIL_FAILED = "mailed", "failed"
logger = logging.getLogger(__name__)


class InvitationClosed(ValueError):
    """The link cannot be used any more; `status` says why (used, expired or revoked)."""

    def __init__(self, invitation: Invitation):
        self.status = invitation.status
        super().__init__(f"This invitation link was {self.status}.")


def create(workspace, *, role: str, days: int, email: str, actor, request=None) -> tuple[Invitation, str]:
    """The invitation and its secret (to be put in the link, never stored)."""
    if role == Role.OWNER and not _is_owner(workspace, actor):
        raise services.WorkspaceRuleBroken("Only an owner may invite another owner.")
    if not 1 <= days <= MAX_DAYS:
        raise services.WorkspaceRuleBroken(f"An invitation lasts 1 to {MAX_DAYS} days.")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=workspace, role=role, email=email, created_by=actor, secret_hash=hash_invitation_secret(secret),
            expires_at=timezone.now() + timedelta(days=days))
        audit.record(workspace, actor, "invite.created", f"{role} invitation",
                     after={"role": role, "email": email, "expires_at": invitation.expires_at.isoformat()},
                     request=request)
    return invitation, secret


def _is_owner(workspace, user) -> bool:
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    return membership is not None and at_least(membership.role, Role.OWNER)


def find(secret: str) -> Invitation | None:
    return Invitation.objects.select_related("workspace").filter(secret_hash=hash_invitation_secret(secret)).first()


def accept(invitation: Invitation, user, *, request=None) -> Membership:
    """Join with the invitation's role; raises InvitationClosed, or WorkspaceRuleBroken for a member already."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("workspace").get(pk=invitation.pk)
        if locked.status != "open":
            raise InvitationClosed(locked)
        membership = services.add_member(locked.workspace, user, locked.role, actor=user, request=request,
                                         action="invite.accepted")
        locked.accepted_by, locked.accepted_at = user, timezone.now()
        locked.save(update_fields=["accepted_by", "accepted_at"])
    return membership


def revoke(invitation: Invitation, *, actor, request=None):
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status != "open":
            raise InvitationClosed(locked)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(invitation.workspace, actor, "invite.revoked", f"{locked.role} invitation",
                     before={"role": locked.role, "email": locked.email}, request=request)


def mail_link(invitation: Invitation, link: str) -> str:
    """Mail the link when the console can send mail (EMAIL_HOST set) and the admin gave an address: MAILED,
    MAIL_FAILED (the admin is told to send it), or "" when nothing was to be mailed."""
    if not (invitation.email and getattr(settings, "EMAIL_HOST", "")):
        return ""
    inviter = invitation.created_by.get_username() if invitation.created_by else "An admin"
    try:
        send_mail(
            subject=f"Join {invitation.workspace.name} on NetMind Console",
            message=(f"{inviter} invites you to {invitation.workspace.name} as "
                     f"{invitation.get_role_display().lower()}.\n\n{link}\n\n"
                     f"The link works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC."),
            from_email=None, recipient_list=[invitation.email])
    except (OSError, smtplib.SMTPException):  # the invitation stands: the admin still has the link on screen
        logger.warning("Could not mail the invitation to %s", invitation.workspace.name, exc_info=True)
        return MAIL_FAILED
    return MAILED
