"""The recurring work of the console, kept as django-q2 Schedule rows (created after every migrate).

The apps register their own recurring tasks (`registry.register_schedule` in `AppConfig.ready()`)."""

import time

from django.db.models.signals import post_migrate

from netmind_console.core.queue import enqueue
from netmind_console.core.registry import RECURRING, register_schedule
from netmind_console.env import env_int

# django-q2 looks at Schedule rows only every 30 s and repeats them at most once a minute. Below 60,
# each scheduled sweep that calls `repeat_within_the_minute` queues itself again every that many
# seconds (tests, and deployments that want unwatched jobs noticed sooner).
SWEEP_SECONDS = env_int("CONSOLE_SWEEP_SECONDS", 60, minimum=1)


def repeat_within_the_minute(task_path: str, until: float | None):
    """Queue `task_path` again after SWEEP_SECONDS, passing on `until`: the chain a scheduled run starts
    ends when the next scheduled run is due, so chains never pile up. A no-op at 60 s and above."""
    until = until or time.time() + 60
    if time.time() + SWEEP_SECONDS >= until:
        return
    time.sleep(SWEEP_SECONDS)  # the worker waits it out: the broker cannot delay a task
    enqueue(task_path, until)


def ensure_schedules(**kwargs):
    from django_q.models import Schedule

    for name, (func, minutes) in RECURRING.items():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1}
        )


def connect():
    register_schedule("worker heartbeat", "netmind_console.core.tasks.heartbeat", 1)
    post_migrate.connect(ensure_schedules, dispatch_uid="netmind_console.ensure_schedules")
