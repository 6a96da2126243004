"""The Django admin: workspaces, members and invitations to look at and fix; the audit log to read only."""

from django.contrib import admin

from netmind_console.core.admin import ReadOnlyAdmin
from netmind_console.workspaces.models import (
    AuditEntry,
    Invitation,
    Membership,
    Workspace,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "personal_for", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["uuid", "webhook_secret", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "monthly_job_limit", "monthly_credit_limit"]
    list_filter = ["role"]
    search_fields = ["user__username", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Links are made on the workspace's page (which shows the secret once); here they can only be read."""

    list_display = ["workspace", "role", "email", "created_by", "expires_at", "status"]
    list_filter = ["role"]
    search_fields = ["workspace__name", "email"]
    readonly_fields = ["uuid", "workspace", "role", "secret_hash", "email", "created_by", "created_at", "expires_at",
                       "accepted_by", "accepted_at", "revoked_at"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Rows cannot be added, edited or deleted here: the log is evidence."""

    list_display = ["at", "workspace_name", "actor_name", "action", "target", "client_address"]
    list_filter = ["action"]
    search_fields = ["workspace_name", "actor_name", "action", "target"]
