from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("netmind_console.core.urls")),
    path("", include("netmind_console.accounts.urls")),
    path("jobs/", include("jobs.urls")),
    path("endpoints/", include("endpoints.urls")),
    path("admin/", admin.site.urls),
]
