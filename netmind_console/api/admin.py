"""API keys to look at (who, where, when last used) and nothing more: they are made and revoked by their owners,
on Settings → API keys or with `manage.py api_key`, which write the audit rows. The secret is not stored at all."""

from django.contrib import admin

from netmind_console.api.models import ApiKey
from netmind_console.core.admin import ReadOnlyAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "user", "workspace", "scope", "created_at", "expires_at", "last_used_at",
                    "status"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "user__username", "workspace__name"]
    fields = readonly_fields = ["uuid", "name", "prefix", "user", "workspace", "scope", "created_at", "expires_at",
                                "last_used_at", "revoked_at", "status"]
