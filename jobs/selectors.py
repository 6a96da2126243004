"""What the pages read about jobs: filtered lists, progress, timelines, toasts, the dashboard summary and the
panels jobs adds to the project's pages."""

from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from jobs import catalogue, limits, search
from jobs.forms import cursor_for
from jobs.models import ACTIVE_STATES, TERMINAL_STATES, Batch, BatchState, Job, JobEvent, JobState, Output
from netmind_console.workspaces import access

# What a job's preview in a list needs (its first output, or the word that its outputs were deleted), as plain lists
# (`listed_outputs`, `listed_deletions`): a prefetch into the related managers builds a queryset each time a row's
# template asks for `job.outputs.all` (4 ms of a 25-row page). A text output's text (a transcript may be long) is not
# read: a preview shows its kind.
PREVIEWED = (Prefetch("outputs", queryset=Output.objects.defer("text"), to_attr="listed_outputs"),
             Prefetch("output_deletions", to_attr="listed_deletions"))
RECENT_JOBS = 6  # on the dashboard
ESTIMATE_CAP = 95  # an estimate never says done: the job's final state does


def jobs_for(workspace, filters: dict):
    """The workspace's jobs, a teammate's included (with who submitted them), filtered as the list asks."""
    jobs = Job.objects.filter(workspace=workspace).select_related("owner").prefetch_related(*PREVIEWED)
    if filters.get("q"):
        jobs = search.prompts_containing(jobs, filters["q"])
    if filters.get("state") == "active":
        jobs = jobs.filter(state__in=ACTIVE_STATES)
    elif filters.get("state"):
        jobs = jobs.filter(state=filters["state"])
    if filters.get("provider"):
        jobs = jobs.filter(provider=filters["provider"])
    if filters.get("model"):
        jobs = jobs.filter(model_key=filters["model"])
    if filters.get("batch"):
        jobs = jobs.filter(batch__uuid=filters["batch"])
    return jobs


def batch_in(workspace, batch_uuid):
    """The batch a list is filtered by, for its chip: None when none is, or it is not the workspace's."""
    if not batch_uuid:
        return None
    return Batch.objects.filter(workspace=workspace, uuid=batch_uuid).only("uuid", "name").first()


def after_position(rows, cursor):
    """Rows (jobs or outputs, newest first) after a keyset position (created_at, id): forms.parse_cursor's."""
    created_at, pk = cursor
    # The redundant `created_at <= c` gives the planner an index range to start from: with the OR
    # alone SQLite walks the workspace's index from the newest row down to the cursor.
    return rows.filter(created_at__lte=created_at).filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))


def keyset_page(rows, cursor, size: int):
    """A page of `rows`, newest first, from a keyset position (None: the newest), and the position after it (None on
    the last page). A deep page costs what the first does, and rows arriving meanwhile do not shift the pages shown."""
    rows = rows.order_by("-created_at", "-id")
    if cursor:
        rows = after_position(rows, cursor)
    page = list(rows[: size + 1])
    return page[:size], cursor_for(page[size - 1]) if len(page) > size else None


# One index probe per distinct pair, a loose index scan of output_workspace_model: each step seeks the next provider
# of the same model, else the next model's first pair. SELECT DISTINCT reads every output's index entry (20 ms at
# 100,000 on PostgreSQL); a row-value comparison would scan the whole pair on SQLite (which seeks by its first column).
MODELS_AND_PROVIDERS = """
WITH RECURSIVE pairs(id) AS (
    SELECT (SELECT id FROM {outputs} WHERE workspace_id = %(workspace)s ORDER BY model_key, provider LIMIT 1)
  UNION ALL
    SELECT COALESCE(
        (SELECT o.id FROM {outputs} o WHERE o.workspace_id = %(workspace)s AND o.model_key = p.model_key
         AND o.provider > p.provider ORDER BY o.provider LIMIT 1),
        (SELECT o.id FROM {outputs} o WHERE o.workspace_id = %(workspace)s AND o.model_key > p.model_key
         ORDER BY o.model_key, o.provider LIMIT 1))
    FROM pairs JOIN {outputs} p ON p.id = pairs.id
)
SELECT o.model_key, o.provider FROM pairs JOIN {outputs} o ON o.id = pairs.id
""".format(outputs=Output._meta.db_table)


def models_and_providers(workspace) -> set[tuple[str, str]]:
    """The (model, provider) pairs the workspace has outputs of: the gallery's filter choices."""
    with connection.cursor() as cursor:
        cursor.execute(MODELS_AND_PROVIDERS, {"workspace": workspace.pk})
        return set(cursor.fetchall())


def outputs_of(job: Job):
    """A job's outputs. They are recorded in the transaction that makes the job succeed (lifecycle.apply_snapshot),
    so an active job has none: its status fragment, rendered at each change while it runs, is spared the query."""
    return [] if job.is_active else job.outputs.all()


def typical_seconds(model_key: str) -> float:
    """How long this model's jobs usually take, from the last finished ones (catalogue guess until then)."""
    # From the send, not the save: a job that waited for a slot (or a retry) did not take longer to make.
    recent = Job.objects.filter(model_key=model_key, state=JobState.SUCCEEDED, finished_at__isnull=False) \
        .order_by("-finished_at")[:20].values_list("created_at", "submit_started_at", "finished_at")
    durations = [(end - (sent or saved)).total_seconds() for saved, sent, end in recent]
    if durations:
        return sum(durations) / len(durations)
    spec = catalogue.get(model_key)
    return spec.typical_seconds if spec else 30


def timeline(job: Job) -> list[tuple[JobEvent, float | None]]:
    """The job's events, each with the seconds spent in the state before it."""
    events = list(job.events.all())
    gaps = [None] + [(later.at - earlier.at).total_seconds() for earlier, later in zip(events, events[1:])]
    return list(zip(events, gaps))


def progress_estimate(job: Job) -> tuple[int, float]:
    """The estimated percent done, and how fast the estimate grows (percent a second; 0 when it does not move with
    time), so a page advances it between polls without asking again."""
    if job.state in TERMINAL_STATES:
        return 100, 0
    if job.submit_started_at is None:  # still waiting to be sent
        return 0, 0
    per_second = 100 / max(typical_seconds(job.model_key), 1)
    elapsed = (timezone.now() - job.submit_started_at).total_seconds()
    return min(ESTIMATE_CAP, int(elapsed * per_second)), per_second


def progress_percent(job: Job) -> int:
    return progress_estimate(job)[0]


def finished_unnotified(user, workspace):
    """Jobs this user submitted in the workspace that finished since the last toast; marks them told (claim,
    so two tabs agree). A teammate's job is theirs to be told about; a batch's jobs are told on the batch's page
    (hundreds of toasts would bury the page)."""
    jobs = list(Job.objects.filter(workspace=workspace, owner=user, state__in=TERMINAL_STATES, batch__isnull=True,
                                   notified_at__isnull=True).order_by("finished_at")[:5])
    claimed = Job.objects.filter(pk__in=[j.pk for j in jobs], notified_at__isnull=True).update(notified_at=timezone.now())
    return jobs if claimed else []


def storage_stats(workspace) -> dict:
    """For the settings page; archive.py owns the numbers."""
    from jobs import archive

    return archive.storage_stats(workspace)


def dashboard_counts(workspace) -> dict:
    return Job.objects.filter(workspace=workspace).aggregate(active=Count("id", filter=Q(state__in=ACTIVE_STATES)),
                                                             succeeded=Count("id", filter=Q(state=JobState.SUCCEEDED)),
                                                             failed=Count("id", filter=Q(state=JobState.FAILED)))


def dashboard_summary(workspace) -> dict:
    recent = Job.objects.filter(workspace=workspace).select_related("owner").prefetch_related(*PREVIEWED)
    return {"counts": dashboard_counts(workspace), "recent": list(recent[:RECENT_JOBS]),
            "has_accounts": workspace.provider_accounts.exists()}


# What the project's pages show of jobs (registered in apps.py), for the workspace the request works in.
def dashboard_panel(request) -> dict:
    """The dashboard's jobs. Its poll reads their versions first (poll.dashboard_version), which also asks for the
    syncs of the recent active jobs someone is watching there."""
    return dashboard_summary(access.current_workspace(request))


def settings_panel(request) -> dict:
    return {"storage": storage_stats(access.current_workspace(request))}


def members_panel(request) -> dict:
    return {"member_usage": limits.monthly_use(access.current_workspace(request))}


def batches_for(workspace, user):
    """The workspace's batches a person sees, newest first: every started one, and their own drafts (a draft is
    a preview nobody else has to see)."""
    return (Batch.objects.filter(workspace=workspace).filter(~Q(state=BatchState.DRAFT) | Q(owner=user))
            .select_related("owner", "account").defer("rows"))
