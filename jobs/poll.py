"""What a watching page's poll reads: the version of what it shows, from one indexed read, so that a poll which
finds nothing new is answered 204 without rendering (htmx swaps nothing and keeps polling).

A job's version is a fingerprint of everything its status fragment, its list row and its dashboard line show:
the job's own columns, and correlated subqueries on the foreign-key indexes of its events (the newest id), its
outputs (their archive states, thumbnails and copy attempts, summed into one number) and its deletions (the newest
id). It is computed rather than stored: jobs and outputs change through many conditional `.update()` calls (claims,
transitions, retries, the archive task), and a version column that each of them had to bump would go stale the
first time one of them forgot. What changes with time alone (the elapsed time, the progress estimate) is not in
it: the page advances those itself (static/js/ticking.js).

A page must read the version before what it renders, never after: content newer than its version costs one more
render on the next poll, but a version newer than the content would answer 204 to a page that shows the past.
"""

import functools
import hashlib
import uuid as uuidlib
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import BigIntegerField, Case, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value, When
from django.http import Http404

from jobs import selectors, sync
from jobs.models import ArchiveState, Job, JobEvent, Output, OutputDeletion
from netmind_console.core.ids import parse_uuid
from netmind_console.workspaces import access

# The job's own columns that its fragment, row and dashboard line show.
SHOWN = ("state", "raw_status", "waiting_reason", "error_message", "provider_log", "submit_started_at", "finished_at",
         "owner_id")
# What sync.request_sync_if_stale reads (besides the state), so a poll asks for a sync from the same read.
SYNC_FIELDS = ("retry_at", "last_synced_at", "sync_requested_at")
PARTS = ("last_event", "last_deletion", "outputs_mark")

# One number for a job's outputs: each output adds 1 (how many there are), a weight for its archive state, one for a
# thumbnail, and one per failed copy attempt (the error shown changes with it). Each count has a byte of its own
# (a job has a handful of outputs, at most six attempts each), so any change to one of them changes the sum.
_STATE_WEIGHTS = {ArchiveState.ARCHIVED: 1 << 8, ArchiveState.FAILED: 1 << 16, ArchiveState.EXPIRED: 1 << 24}
_THUMBNAIL_WEIGHT = 1 << 32
_ATTEMPT_WEIGHT = 1 << 40
# A list poll names at most a page of rows (the list shows 25); more is not a page's poll.
MOST_WATCHED = 100


def _output_mark():
    per_output = ExpressionWrapper(
        Value(1)
        + Case(*(When(archive_state=state, then=Value(weight)) for state, weight in _STATE_WEIGHTS.items()),
               default=Value(0))
        + Case(When(thumbnail="", then=Value(0)), default=Value(_THUMBNAIL_WEIGHT))
        + F("archive_attempts") * Value(_ATTEMPT_WEIGHT),
        output_field=BigIntegerField())
    return (Output.objects.filter(job=OuterRef("pk")).order_by().values("job")
            .annotate(mark=Sum(per_output)).values("mark"))


def _newest(model):
    return Subquery(model.objects.filter(job=OuterRef("pk")).order_by("-id").values("id")[:1])


def with_versions(jobs):
    """`jobs` with what their versions are made of, read in the same statement as their rows."""
    return jobs.annotate(last_event=_newest(JobEvent), last_deletion=_newest(OutputDeletion),
                         outputs_mark=Subquery(_output_mark()))


def version_of(job: Job) -> str:
    """The version of a job read through `with_versions`."""
    # The parts as integers: PostgreSQL sums into a numeric, and a raw read does not convert annotations.
    parts = repr([*(getattr(job, name) for name in SHOWN), *(int(getattr(job, name) or 0) for name in PARTS)])
    return hashlib.blake2b(parts.encode(), digest_size=8).hexdigest()


def _polled(jobs):
    """Only what the version and the sync need: one narrow row per job."""
    return with_versions(jobs.only("uuid", *SHOWN, *SYNC_FIELDS))


def watched_job(request, uuid) -> Job:
    """The job as its page's poll reads it, with its `version`, in one query that also checks the caller's
    membership of its workspace: 404 for anyone else (the same answer as for a job that does not exist)."""
    job = watched_jobs(request, [uuid]).get(uuid)
    if job is None:
        raise Http404("Nothing here.")
    return job


def watched_jobs(request, uuids) -> dict:
    """The caller's jobs among `uuids`, by UUID, each with its `version`, in one query; a job they may not see, or
    that was deleted, is missing."""
    uuids = list(uuids)
    if not uuids:
        return {}
    alias = router.db_for_read(Job)
    sql, params, jobs_at, user_at = _statement(alias, len(uuids))
    values = list(params)
    for position, uuid in zip(jobs_at, uuids):
        values[position] = _uuid_param(uuid, alias)
    values[user_at] = request.user.pk
    jobs = {job.uuid: job for job in Job.objects.db_manager(alias).raw(sql, values)}
    for job in jobs.values():
        job.version = version_of(job)
    return jobs


# Stand-ins a poll's statement is compiled with, swapped for the request's jobs and user when it runs.
_FIRST_JOB_MARK, _USER_MARK = 0x5EED, -1


@functools.cache
def _statement(alias: str, count: int) -> tuple[str, tuple, list[int], int]:
    """The SQL of a poll's read of `count` jobs, compiled by the ORM once per database and count, and where its jobs
    and user go: building and compiling its subqueries took some 4 ms of Python a poll, twenty times the query."""
    marks = [uuidlib.UUID(int=_FIRST_JOB_MARK + i) for i in range(count)]
    jobs = access.visible_to(_USER_MARK, Job.objects.filter(uuid__in=marks))
    sql, params = _polled(jobs).order_by().query.get_compiler(alias).as_sql()
    placed = [_uuid_param(mark, alias) for mark in marks] + [_USER_MARK]
    if any(params.count(value) != 1 for value in placed):
        raise ImproperlyConfigured(f"A poll's statement does not take its jobs and user as parameters: {sql}")
    *jobs_at, user_at = [params.index(value) for value in placed]
    return sql, params, jobs_at, user_at


def _uuid_param(value, alias: str):
    return Job._meta.get_field("uuid").get_db_prep_value(value, connections[alias])


def is_watched(job: Job) -> bool:
    """A page keeps polling a job while it is active, and after its final state until its files are copied in
    (their outputs, read with selectors.PREVIEWED, say so)."""
    return job.is_active or any(output.archive_state == ArchiveState.PENDING for output in job.listed_outputs)


def parse_watched(values) -> dict | None:
    """A list poll's `w` values (`<job uuid>.<version>`, the version empty until one was read), by UUID; None if
    one is not that shape or there are too many."""
    if len(values) > MOST_WATCHED:
        return None
    watched = {}
    for value in values:
        uuid, _, version = value.partition(".")
        parsed = parse_uuid(uuid)
        if parsed is None:
            return None
        watched[parsed] = version
    return watched


def watched_rows(jobs) -> list[tuple]:
    """(UUID, version) of the rows of a list page (read through `with_versions`) that its poll watches."""
    return [(job.uuid, version_of(job)) for job in jobs if is_watched(job)]


def watch_query(watched) -> str:
    """The list poll's query string for (UUID, version) pairs."""
    return urlencode([("w", f"{uuid}.{version}") for uuid, version in watched])


def sync_stale(jobs):
    """Someone is watching these jobs: each stale one is asked to sync, as its own page would ask."""
    for job in jobs:
        sync.request_sync_if_stale(job)


def dashboard_version(request) -> dict:
    """What the dashboard's live part shows, read without rendering it: the workspace's counts, the versions of its
    recent jobs (each stale one asked to sync: someone is watching it) and the role (the part's links follow it)."""
    workspace = access.current_workspace(request)
    recent = list(_polled(Job.objects.filter(workspace=workspace))[:selectors.RECENT_JOBS])
    sync_stale(recent)
    return {"jobs": [selectors.dashboard_counts(workspace), access.role_in(request, workspace.pk),
                     [(job.uuid, version_of(job)) for job in recent]]}
