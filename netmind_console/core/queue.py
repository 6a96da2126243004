"""The one way work is handed to the worker: after the surrounding transaction commits.

After commit, because a task that runs before the row it reads is committed finds nothing (or an old state).
Duplicates are kept out by claims on the rows themselves (core/claims.py: many tabs polling one job queue one
sync), not by a key beside the broker: a claim lives with the row, and outlives a lost message.
"""

import uuid
from collections.abc import Callable

from django.db import transaction
from django_q.tasks import async_task

TASK_NAME_LABEL_CHARS = 90


def after_commit(send: Callable[[], None]):
    """Run `send` once the current transaction commits (at once outside one). Tests replace this."""
    transaction.on_commit(send, robust=True)


def task_path(task) -> str:
    return task if isinstance(task, str) else f"{task.__module__}.{task.__name__}"


def enqueue(task, *args, group: str | None = None):
    """Queue `task` (a function or its dotted path) with `args` (ids only: they are pickled into the broker)."""
    path = task_path(task)
    short = path.rsplit(".", 1)[-1]
    # django-q2 keeps the name in a 100-character column: the task and its ids, cut short, and a random tail.
    label = ":".join([short, *map(str, args)])[:TASK_NAME_LABEL_CHARS]
    name = f"{label}:{uuid.uuid4().hex[:8]}"
    options = {"task_name": name} | ({"group": group} if group else {})
    after_commit(lambda: async_task(path, *args, **options))
