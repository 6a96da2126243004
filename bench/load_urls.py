"""The console's URLs plus /trivial/: the cheapest answer Django can give, the baseline of the load ratio."""

from django.http import HttpResponse
from django.urls import path

from netmind_console.urls import urlpatterns as console_urlpatterns

urlpatterns = [path("trivial/", lambda request: HttpResponse("ok")), *console_urlpatterns]
