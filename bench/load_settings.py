"""Settings for bench/fragment_load.py's gunicorn: the console's own, plus one trivial view to compare with."""

from netmind_console.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
# The pages the benchmark reads their polls' URLs from render without collectstatic (the manifest storage needs one).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
