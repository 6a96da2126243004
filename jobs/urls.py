from django.urls import path

from jobs import gallery_views, views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.new_job, name="new"),
    path("new/fields/", views.model_fields, name="model_fields"),
    path("compare/", views.compare, name="compare"),
    path("compare/<uuid:group>/", views.compare_results, name="compare_results"),
    path("import/", views.import_history, name="import"),
    path("finished-toasts/", views.finished_toasts, name="finished_toasts"),
    path("<uuid:uuid>/", views.job_detail, name="detail"),
    path("<uuid:uuid>/status/", views.job_status, name="status"),
    path("<uuid:uuid>/row/", views.job_row, name="row"),
    path("<uuid:uuid>/again/", views.run_again, name="again"),
    path("<uuid:uuid>/delete/", views.delete_job, name="delete"),
    path("gallery/", gallery_views.gallery, name="gallery"),
    path("media/<uuid:uuid>/", gallery_views.media, name="media"),
    path("media/<uuid:uuid>/thumbnail/", gallery_views.thumbnail, name="thumbnail"),
    path("media/<uuid:uuid>/favourite/", gallery_views.toggle_favourite, name="favourite"),
    path("gallery/bulk/", gallery_views.bulk_action, name="bulk"),
]
