"""Settings for bench/fragment_load.py's gunicorn: the console's own, plus one trivial view to compare with."""

from netmind_console.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
