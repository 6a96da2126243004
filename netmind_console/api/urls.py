from django.urls import path

from netmind_console.api.v1 import api

urlpatterns = [
    path("api/v1/", api.urls),
]
