from django.urls import path, register_converter

from jobs import batch_views, gallery_views, models_views, views
from jobs.catalogue.documents import MODEL_ID_PATTERN


class ModelIdConverter:
    """A catalogue model id in a path ("Qwen/Qwen-Image"): the one slash it has is part of it."""

    regex = MODEL_ID_PATTERN.removeprefix("^").removesuffix("$")

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ModelIdConverter, "model_id")

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.new_job, name="new"),
    path("new/fields/", views.model_fields, name="model_fields"),
    path("compare/", views.compare, name="compare"),
    path("compare/<uuid:group>/", views.compare_results, name="compare_results"),
    path("import/", views.import_history, name="import"),
    path("finished-toasts/", views.finished_toasts, name="finished_toasts"),
    path("rows/", views.job_rows, name="rows"),
    path("<uuid:uuid>/", views.job_detail, name="detail"),
    path("<uuid:uuid>/status/", views.job_status, name="status"),
    path("<uuid:uuid>/input/", views.input_file, name="input"),
    path("<uuid:uuid>/input/<str:parameter>/", views.job_input_file, name="input_file"),
    path("<uuid:uuid>/again/", views.run_again, name="again"),
    path("<uuid:uuid>/delete/", views.delete_job, name="delete"),
    path("gallery/", gallery_views.gallery, name="gallery"),
    path("media/<uuid:uuid>/", gallery_views.media, name="media"),
    path("media/<uuid:uuid>/thumbnail/", gallery_views.thumbnail, name="thumbnail"),
    path("media/<uuid:uuid>/favourite/", gallery_views.toggle_favourite, name="favourite"),
    path("gallery/bulk/", gallery_views.bulk_action, name="bulk"),
    path("batches/", batch_views.batch_list, name="batches"),
    path("batches/new/", batch_views.new_batch, name="batch_new"),
    path("batches/<uuid:uuid>/", batch_views.batch_detail, name="batch"),
    path("batches/<uuid:uuid>/status/", batch_views.batch_status, name="batch_status"),
    path("batches/<uuid:uuid>/start/", batch_views.start_batch, name="batch_start"),
    path("batches/<uuid:uuid>/discard/", batch_views.discard_batch, name="batch_discard"),
    path("batches/<uuid:uuid>/pause/", batch_views.pause_batch, name="batch_pause"),
    path("batches/<uuid:uuid>/resume/", batch_views.resume_batch, name="batch_resume"),
    path("batches/<uuid:uuid>/cancel/", batch_views.cancel_batch, name="batch_cancel"),
    path("batches/<uuid:uuid>/retry/", batch_views.retry_failed, name="batch_retry"),
    path("batches/<uuid:uuid>/download/", batch_views.batch_download, name="batch_download"),
    path("models/", models_views.model_list, name="models"),
    path("models/new/", models_views.model_new, name="model_new"),
    path("models/<model_id:model_id>/", models_views.model_detail, name="model_detail"),
    path("models/<model_id:model_id>/edit/", models_views.model_edit, name="model_edit"),
    path("models/<model_id:model_id>/toggle/", models_views.model_toggle, name="model_toggle"),
    path("models/<model_id:model_id>/remove/", models_views.model_remove, name="model_remove"),
]
