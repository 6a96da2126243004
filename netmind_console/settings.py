"""One settings module for every deployment: only environment variables differ.

Embedded default: SQLite (WAL, IMMEDIATE transactions), the django-q2 ORM broker, the database
cache and media on local disk. Set DATABASE_URL and REDIS_URL to scale out.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from netmind_console.env import env_bool, env_hosts, env_int, env_json_object, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONSOLE_VAR_DIR", str(BASE_DIR / "var")))


def _load_dotenv():
    """`make run` writes generated keys to .env; real environment variables always win."""
    import os

    dotenv = BASE_DIR / ".env"
    if not dotenv.exists() or os.environ.get("CONSOLE_IGNORE_DOTENV"):
        return
    for line in dotenv.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.strip().startswith("#"):
            os.environ.setdefault(name.strip(), value.strip())


_load_dotenv()

SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=True)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])


def _fernet_keys():
    keys = env_list("CONSOLE_ENCRYPTION_KEY")
    if not keys:
        raise ImproperlyConfigured(
            "Environment variable CONSOLE_ENCRYPTION_KEY is required: comma-separated Fernet keys, "
            "the first encrypts, all decrypt. `make run` generates one into .env."
        )
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                "Environment variable CONSOLE_ENCRYPTION_KEY holds a value that is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from None
    return keys


CONSOLE_ENCRYPTION_KEYS = _fernet_keys()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "django_q",
    "csp",
    "axes",
    "netmind_console.core",
    "netmind_console.workspaces",
    "netmind_console.accounts",
    "netmind_console.api",
    "netmind_console.sandbox",
    "jobs",
    "endpoints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "netmind_console.core.middleware.PagesGZipMiddleware",  # below WhiteNoise: static files are precompressed
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "netmind_console.core.middleware.private_pages_middleware",  # Cache-Control for signed-in pages
    "netmind_console.core.middleware.user_time_zone_middleware",  # dates in the zone chosen in Settings
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "netmind_console.accounts.middleware.first_run_middleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lockout into the page below
]

# Small uploads stay in memory; large ones are spooled to a temp file that does not carry the uploader's name.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "netmind_console.core.uploads.SpoolWithoutClientName",
]

ROOT_URLCONF = "netmind_console.urls"
WSGI_APPLICATION = "netmind_console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "netmind_console.core.context_processors.console",
                "netmind_console.workspaces.context_processors.workspace",
            ],
        },
    }
]

# Form fields render through templates/django/forms/field.html (labels without a colon, errors beside them).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, workers) write: WAL lets readers run beside the writer, IMMEDIATE
    # takes the write lock at BEGIN so a transaction never fails half-way with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

REDIS_URL = env_str("REDIS_URL", "")
# "api_rate" counts API requests per key on every request: in Redis when scaled out; on the embedded default
# (one machine) in files under VAR_DIR, which every web process shares and which cost the database nothing.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
              "api_rate": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "console_cache"},
              "api_rate": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                           "LOCATION": str(VAR_DIR / "api-rate")}}

# Requests one API key may make per window; past it, 429 with Retry-After (README: API).
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600, minimum=1)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60, minimum=1)

# A task that outlives this is killed. Fault-injection tests shorten it (with the provider read
# timeout) so a killed worker's tasks come back, and its stale claims are recovered, within seconds.
CONSOLE_TASK_TIMEOUT = env_int("CONSOLE_TASK_TIMEOUT", 120, minimum=5)
# While jobs wait for a provider account's slot, the sweep checks the jobs in flight this often (README: Batches).
CONSOLE_BUSY_SWEEP_SECONDS = env_int("CONSOLE_BUSY_SWEEP_SECONDS", 2, minimum=1)
Q_CLUSTER = {
    "name": "netmind",
    "workers": env_int("CONSOLE_WORKERS", 2, minimum=1),
    # `retry` must be longer than `timeout` (180 s by default) so a slow task is never handed to a second worker
    # while the first still runs it.
    "timeout": CONSOLE_TASK_TIMEOUT,
    "retry": CONSOLE_TASK_TIMEOUT * 3 // 2,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    # Successful results are not kept (failures are: Admin → Failed tasks). Keeping the last N costs every save a
    # locked read of all N rows: at 3 clusters the result saver fell a minute behind, and as workers recycle
    # after 500 tasks they wait for it, so every worker stood still for ~36 s (bench/batches.py).
    "save_limit": -1,
    "poll": 0.2,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins: after AXES_FAILURE_LIMIT tries for one username from one address, that pair is locked
# out for AXES_COOLOFF_TIME and the login page says so (HTTP 429); a successful login clears the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("CONSOLE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CONSOLE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# How many reverse proxies in front of the web process append to X-Forwarded-For (README "Deployment").
# 0: the header is ignored and the client is REMOTE_ADDR; N: the Nth address from the right of the header.
CONSOLE_TRUSTED_PROXIES = env_int("CONSOLE_TRUSTED_PROXIES", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "netmind_console.core.client_address.client_address"
# /healthz shows only ok / not ok to the public; its parts to signed-in staff or to this bearer token (empty: none).
CONSOLE_HEALTH_TOKEN = env_str("CONSOLE_HEALTH_TOKEN", "")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media: every byte goes through this one storage (django.core.files.storage.default_storage). Local disk under
# MEDIA_ROOT by default; a shared volume is the same backend with MEDIA_ROOT on it, an object store is, for instance,
# MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage (the `s3` extra) with its options as JSON (README Deployment).
MEDIA_STORAGE_BACKEND = env_str("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
MEDIA_STORAGE_OPTIONS = env_json_object("MEDIA_STORAGE_OPTIONS")
# An object store can hand the bytes out itself: after its access check the media view redirects to the storage's
# URL (a short-lived pre-signed one with S3Storage: `querystring_expire`). Local disk has no such URL.
MEDIA_SERVE_BY_REDIRECT = env_bool("MEDIA_SERVE_BY_REDIRECT", False)
if MEDIA_SERVE_BY_REDIRECT and MEDIA_STORAGE_BACKEND == "django.core.files.storage.FileSystemStorage":
    raise ImproperlyConfigured("MEDIA_SERVE_BY_REDIRECT needs an object store (MEDIA_STORAGE_BACKEND): files on "
                               "local disk have no URL of their own and are served by the console.")
# The origins those URLs point at (e.g. https://console-media.s3.example.com): pages may load media from them.
MEDIA_REDIRECT_ORIGINS = env_list("MEDIA_REDIRECT_ORIGINS")
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Media are private: served only through the owner-checked view, never under a public URL.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_MAX_BYTES = env_int("MEDIA_MAX_BYTES", 512 * 1024 * 1024, minimum=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

NETMIND_API_BASE = env_url("NETMIND_API_BASE", "https://api.netmind.ai")
APINFER_API_BASE = env_url("APINFER_API_BASE", "https://apinfer.com")
CONSOLE_SANDBOX = env_bool("CONSOLE_SANDBOX", False)

# Invitation links are mailed only when a mail server is configured; otherwise the admin copies them.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "NetMind Console <console@localhost>")
SANDBOX_URL = env_url("SANDBOX_URL", "http://127.0.0.1:8001")
SANDBOX_TOKEN = env_str("SANDBOX_TOKEN", "sandbox")
# Seconds to wait for a provider's answer once connected; creates that outlast it become `unknown`.
PROVIDER_READ_TIMEOUT = env_int("PROVIDER_READ_TIMEOUT", 30, minimum=1)
PROVIDER_CONNECT_TIMEOUT = 5
_PROVIDER_FILE_HOSTS = ["netmind-files-prod.s3.amazonaws.com", "files.netmind.ai"]
MEDIA_ALLOWED_HOSTS = env_list("MEDIA_ALLOWED_HOSTS", _PROVIDER_FILE_HOSTS)
# Hosts (host or host:port) whose downloads may use plain http, and that may resolve to private,
# loopback or link-local addresses. Empty outside sandbox mode: provider files come over https
# from public hosts, and anything else is a server-side request forgery risk.
MEDIA_INSECURE_HOSTS = env_list("MEDIA_INSECURE_HOSTS", [])
if CONSOLE_SANDBOX:
    from urllib.parse import urlsplit

    _sandbox_host = urlsplit(SANDBOX_URL).netloc
    MEDIA_ALLOWED_HOSTS = [*MEDIA_ALLOWED_HOSTS, _sandbox_host]
    MEDIA_INSECURE_HOSTS = [*MEDIA_INSECURE_HOSTS, _sandbox_host]

# Base URLs a provider account may use beyond the providers' own hosts, NETMIND_API_BASE's, APINFER_API_BASE's
# and (in sandbox mode) the sandbox's; these may be loopback or private and plain http (accounts/base_urls.py).
PROVIDER_ALLOWED_HOSTS = env_hosts("PROVIDER_ALLOWED_HOSTS")
# Webhook hosts that may be loopback or private and plain http; any other webhook must be public https.
WEBHOOK_ALLOWED_HOSTS = env_hosts("WEBHOOK_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG and env_bool("DJANGO_HTTPS", False))
SESSION_COOKIE_SECURE = env_bool("DJANGO_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *MEDIA_REDIRECT_ORIGINS],
        "media-src": [SELF, "blob:", *MEDIA_REDIRECT_ORIGINS],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONSOLE_LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
