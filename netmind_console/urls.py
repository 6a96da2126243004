from django.contrib import admin
from django.urls import include, path

from netmind_console.workspaces.views import invitations

urlpatterns = [
    path("", include("netmind_console.core.urls")),
    path("", include("netmind_console.accounts.urls")),
    path("workspaces/", include("netmind_console.workspaces.urls")),
    # Outside /workspaces/ and open to anonymous visitors: the link itself is the credential.
    path("invite/<str:secret>/", invitations.accept, name="invite_accept"),
    path("", include("netmind_console.api.urls")),
    path("jobs/", include("jobs.urls")),
    path("endpoints/", include("endpoints.urls")),
    path("admin/", admin.site.urls),
]
