from django.urls import path

from endpoints.views import actions, create, overview, usage_page, windows

app_name = "endpoints"
urlpatterns = [
    path("", overview.endpoint_list, name="list"),
    path("new/", create.endpoint_new, name="new"),
    path("new/cost/", create.cost_preview, name="cost"),
    path("flavors/", create.flavor_list, name="flavors"),
    path("flavors/refresh/", create.refresh_flavors, name="refresh_flavors"),
    path("adopt/", create.adopt, name="adopt"),
    path("usage/", usage_page.usage, name="usage"),
    path("<uuid:uuid>/", overview.endpoint_detail, name="detail"),
    path("<uuid:uuid>/status/", overview.endpoint_status, name="status"),
    path("<uuid:uuid>/row/", overview.endpoint_row, name="row"),
    path("<uuid:uuid>/scale/", actions.scale, name="scale"),
    path("<uuid:uuid>/delete/", actions.delete, name="delete"),
    path("<uuid:uuid>/budget/", actions.set_budget, name="budget"),
    path("<uuid:uuid>/try/", actions.try_it, name="try"),
    path("<uuid:uuid>/schedules/", windows.schedule_add, name="schedule_add"),
    path("<uuid:uuid>/schedules/<uuid:schedule_uuid>/delete/", windows.schedule_delete, name="schedule_delete"),
    path("<uuid:uuid>/schedules/<uuid:schedule_uuid>/toggle/", windows.schedule_toggle, name="schedule_toggle"),
]
