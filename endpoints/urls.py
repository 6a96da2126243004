from django.urls import path

from endpoints import views

app_name = "endpoints"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_new, name="new"),
    path("new/cost/", views.cost_preview, name="cost"),
    path("flavors/", views.flavor_list, name="flavors"),
    path("flavors/refresh/", views.refresh_flavors, name="refresh_flavors"),
    path("adopt/", views.adopt, name="adopt"),
    path("usage/", views.usage, name="usage"),
    path("<uuid:uuid>/", views.endpoint_detail, name="detail"),
    path("<uuid:uuid>/status/", views.endpoint_status, name="status"),
    path("<uuid:uuid>/row/", views.endpoint_row, name="row"),
    path("<uuid:uuid>/scale/", views.scale, name="scale"),
    path("<uuid:uuid>/delete/", views.delete, name="delete"),
    path("<uuid:uuid>/budget/", views.set_budget, name="budget"),
    path("<uuid:uuid>/try/", views.try_it, name="try"),
    path("<uuid:uuid>/schedules/", views.schedule_add, name="schedule_add"),
    path("<uuid:uuid>/schedules/<uuid:schedule_uuid>/delete/", views.schedule_delete, name="schedule_delete"),
    path("<uuid:uuid>/schedules/<uuid:schedule_uuid>/toggle/", views.schedule_toggle, name="schedule_toggle"),
]
