from django.contrib import admin

from endpoints.models import Endpoint, EndpointEvent, EndpointSchedule, Flavor, ScaleIntent


@admin.register(Flavor)
class FlavorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "region", "usd_per_gpu_hour", "available_num", "node_max_gpu", "listed", "base_url"]
    list_filter = ["listed", "base_url"]


class EventInline(admin.TabularInline):
    model = EndpointEvent
    extra = 0
    readonly_fields = ["at", "status", "raw_status", "instances", "gpus_per_instance", "usd_per_gpu_hour", "note"]
    can_delete = False


class ScheduleInline(admin.TabularInline):
    model = EndpointSchedule
    extra = 0
    fields = ["weekdays", "start_time", "end_time", "instances", "enabled", "last_edge_at", "last_action", "last_outcome"]
    # What happened at an edge is a record, not a setting.
    readonly_fields = ["last_edge_at", "last_action", "last_outcome"]


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "owner", "status", "target_instances", "reported_instances", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "service_id", "workspace__name", "owner__username"]
    # History is the basis of spend: shown, never edited here.
    inlines = [ScheduleInline, EventInline]


@admin.register(ScaleIntent)
class ScaleIntentAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "target", "reason", "state", "created_at", "sent_at"]
    list_filter = ["state", "reason"]
