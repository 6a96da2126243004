"""The one way work reaches the worker: sent after the transaction commits, never for a rolled-back one."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django_q.brokers import get_broker

from netmind_console.core import queue

# Taken at import, before the autouse fixture in tests/conftest.py swaps it for an immediate send.
REAL_AFTER_COMMIT = queue.after_commit


@pytest.fixture
def real_after_commit(monkeypatch):
    monkeypatch.setattr(queue, "after_commit", REAL_AFTER_COMMIT)
    get_broker().purge_queue()
    yield
    get_broker().purge_queue()


def queued_count() -> int:
    return get_broker().queue_size()


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_inside_a_transaction_waits_for_the_commit(real_after_commit):
    with transaction.atomic():
        get_user_model().objects.create_user("mia")
        queue.enqueue("netmind_console.core.tasks.heartbeat")
        assert queued_count() == 0, "the worker could run it before the row it reads is committed"
    assert queued_count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_in_a_rolled_back_transaction_is_never_sent(real_after_commit):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue("netmind_console.core.tasks.heartbeat")
        raise RuntimeError("the view failed after queueing")
    assert queued_count() == 0


def test_a_function_is_queued_by_its_dotted_path():
    from netmind_console.core import tasks

    assert queue.task_path(tasks.heartbeat) == "netmind_console.core.tasks.heartbeat"
    assert queue.task_path("jobs.tasks.sync_job") == "jobs.tasks.sync_job"


def test_a_task_with_long_arguments_still_has_a_name_its_result_row_can_hold(monkeypatch):
    """django-q2 stores the name in a 100-character column; PostgreSQL refuses a longer one (SQLite does not)."""
    sent = []
    monkeypatch.setattr(queue, "async_task", lambda path, *args, **options: sent.append(options["task_name"]))
    queue.enqueue("jobs.tasks.ingest_output", 333, "/tmp/media/incoming/" + "apinfer-video-" * 20 + ".mp4")
    assert len(sent) == 1 and len(sent[0]) <= 100
    assert sent[0].startswith("ingest_output:333:/tmp/media/incoming/")
