import functools

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django_q.brokers import get_broker

from tests.fixtures.parallel import isolate_test_process

# Each pytest-xdist worker its own Redis database, each test process its own file-cache directory: set before
# anything connects to either (tests/fixtures/parallel.py).
isolate_test_process()

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.console", "tests.fixtures.teams",
                  "tests.fixtures.files_api"]

# --- the test users: defined here only ------------------------------------------------------------
# owner ("alice"), other ("bob") and admin ("root"), and clients logged in as the first two. All of them stand
# on `console_setup`: by default the console pointed at the live test sandbox with tasks run inline
# (`console_on_sandbox`, tests/fixtures/console.py). A folder or module that needs another setup overrides
# `console_setup` only (tests/security/conftest.py, tests/jobs/gallery_fixtures.py), never the users.

OWNER_PASSWORD = "pw-alice-123"
OTHER_PASSWORD = "pw-bob-123"
ADMIN_PASSWORD = "pw-root-123"


@pytest.fixture
def console_setup(console_on_sandbox):
    """What the users stand on; override this fixture (and only this one) where another setup is needed."""
    return console_on_sandbox


@functools.cache
def _password_hash(password: str) -> str:
    """Hashed once per run: a real hash of the real password (hashing costs a tenth of a second each time)."""
    return make_password(password)


def _with_password(user, password):
    user.password = _password_hash(password)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def owner(django_user_model, console_setup):
    return _with_password(django_user_model.objects.create_user("alice"), OWNER_PASSWORD)


@pytest.fixture
def other(django_user_model, console_setup):
    return _with_password(django_user_model.objects.create_user("bob"), OTHER_PASSWORD)


@pytest.fixture
def admin(django_user_model, console_setup):
    return _with_password(django_user_model.objects.create_superuser("root", password=None), ADMIN_PASSWORD)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def other_client(other):
    """A client of its own (not `client`), so a test may hold both `owner_client` and `other_client`."""
    other_client = Client()
    other_client.force_login(other)
    return other_client


@pytest.fixture(autouse=True)
def static_files_without_collectstatic(settings):
    """In-process tests render pages without a collectstatic manifest; live servers use the real one."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def empty_task_queue(settings):
    """Each test starts with an empty Redis queue, as it starts with an empty database.

    The ORM broker's queue is a table, emptied with the rest; Redis keeps what earlier tests queued, and
    the sweep reads the queue's length to tell a waiting task from a lost one.
    """
    if settings.REDIS_URL:
        get_broker().purge_queue()


@pytest.fixture(autouse=True)
def tasks_sent_as_if_committed(monkeypatch):
    """pytest-django wraps each test in a transaction that is never committed, so an `after_commit` task
    would never be sent: here it is sent at once, as after a commit. tests/core/test_queue.py checks the
    real after-commit behaviour with transactions that do commit."""
    from netmind_console.core import queue

    monkeypatch.setattr(queue, "after_commit", lambda send: send())


@pytest.fixture(autouse=True)
def catalogue_read_afresh():
    """The catalogue keeps its rows for a second per process; a test's rows are rolled back, so the next test reads
    them again rather than see models an earlier test added."""
    from jobs.catalogue import registry

    registry.forget()
    yield
    registry.forget()
