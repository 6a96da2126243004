import pytest
from django_q.brokers import get_broker

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.console"]


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
