from django.urls import path

from netmind_console.api import views
from netmind_console.api.v1 import api

urlpatterns = [
    path("settings/api-keys/", views.key_list, name="api_keys"),
    path("settings/api-keys/<uuid:uuid>/revoke/", views.revoke, name="api_key_revoke"),
    # A page of the console (session login), before the API's own patterns so no operation can shadow it.
    path("api/v1/docs/", views.docs, name="api_docs"),
    path("api/v1/", api.urls),
]
