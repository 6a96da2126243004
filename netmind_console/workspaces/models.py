import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from netmind_console.workspaces.roles import Role


def new_webhook_secret():
    return secrets.token_urlsafe(32)


class Workspace(models.Model):
    """Owns provider accounts, jobs, outputs, endpoints and the webhook; people reach them as its members."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80, unique=True)
    personal_for = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="personal_workspace")
    webhook_url = models.URLField(max_length=500, blank=True,
                                  help_text="Receives a signed JSON POST when a job of this workspace finishes.")
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret,
                                      help_text="Signs each webhook body (HMAC-SHA256, header X-Console-Signature).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_personal(self):
        return self.personal_for_id is not None


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    monthly_job_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Jobs per calendar month; empty: no limit")
    monthly_credit_limit = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                               help_text="Apinfer credits per calendar month; empty: no limit")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["workspace__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_workspace")]

    def __str__(self):
        return f"{self.user} in {self.workspace} ({self.role})"


def hash_invitation_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Invitation(models.Model):
    """A single-use link to join a workspace with a role. Only the secret's hash is kept."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    secret_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation to {self.workspace} as {self.role}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class AuditEntry(models.Model):
    """Who changed cost, access or someone else's data, and how. Written, never edited: the admin is read-only
    and the rows outlive their actor (the name is kept) and their workspace (the name is kept too)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.SET_NULL, null=True, related_name="audit_entries")
    workspace_name = models.CharField(max_length=80)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=150, help_text="The username then, or \"system\" for automatic actions")
    action = models.CharField(max_length=40, db_index=True)
    target = models.CharField(max_length=200)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["workspace", "-at"], name="audit_workspace_recent")]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target}"
