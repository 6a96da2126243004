import json
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from jobs import catalogue
from netmind_console.core.claims import SyncClaim


def model_label(model_key: str) -> str:
    """The catalogue's name for a model ("Qwen-Image"), or the free model id of one it does not know."""
    spec = catalogue.get(model_key)
    return spec.label if spec else model_key


def name_of(user) -> str:
    """Who submitted a job or output, for pages, commands and audit rows; the row outlives a deleted user."""
    return user.get_username() if user else "a deleted user"


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"  # saved, not yet sent
    SUBMITTING = "submitting", "Submitting"  # claimed by one worker
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    UNKNOWN = "unknown", "Unknown"  # the create call's outcome is ambiguous: reconcile before anything else


ACTIVE_STATES = [JobState.PENDING, JobState.SUBMITTING, JobState.QUEUED, JobState.RUNNING, JobState.UNKNOWN]
TERMINAL_STATES = [JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED]
# Alive at the provider, or maybe (unknown): what a provider account's concurrency cap counts.
IN_FLIGHT_STATES = [JobState.SUBMITTING, JobState.QUEUED, JobState.RUNNING, JobState.UNKNOWN]


class BatchState(models.TextChoices):
    DRAFT = "draft", "Draft"  # previewed, nothing created yet: Start turns its rows into jobs
    RUNNING = "running", "Running"  # its jobs are sent as the account's slots free
    PAUSED = "paused", "Paused"  # nothing new is sent; what is in flight finishes
    CANCELLED = "cancelled", "Cancelled"  # what was not sent is cancelled; what is in flight finishes


class Batch(models.Model):
    """Jobs created together from one form or CSV: one model, one account, many prompts (and seeds)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="batches")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="batches",
                              help_text="Who made it; empty once that user is deleted: the workspace keeps the row")
    account = models.ForeignKey("accounts.ProviderAccount", on_delete=models.SET_NULL, null=True,
                                related_name="batches")
    name = models.CharField(max_length=200, help_text="The uploaded file's name, or the first prompt")
    model_key = models.CharField(max_length=200)
    provider = models.CharField(max_length=20)
    params = models.JSONField(default=dict, help_text="The values every row shares, as the form had them")
    seeds_per_row = models.PositiveSmallIntegerField(default=1)
    rows = models.JSONField(default=list, help_text="A draft's checked rows, until Start makes them jobs")
    dropped_rows = models.JSONField(default=list, help_text="Rows refused and left out: [{row, reason}]")
    job_count = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=BatchState.choices, default=BatchState.DRAFT)
    submission_key = models.CharField(max_length=64, blank=True,
                                      help_text="The API's Idempotency-Key: a request sent again is the same batch")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "submission_key"], condition=~models.Q(submission_key=""),
                                    name="unique_batch_submission_per_owner"),
        ]
        indexes = [models.Index(fields=["workspace", "state", "-created_at"], name="batch_workspace_recent")]

    def __str__(self):
        return f"Batch {self.uuid} ({self.state})"

    @property
    def model_label(self) -> str:
        return model_label(self.model_key)


class BatchEvent(models.Model):
    """Every change of a batch (created, started, paused, resumed, cancelled, failed jobs retried), by whom."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20)
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Job(SyncClaim):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="jobs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="jobs",
                              help_text="Who submitted it; empty once that user is deleted: the workspace keeps the row")
    account = models.ForeignKey("accounts.ProviderAccount", on_delete=models.SET_NULL, null=True, related_name="jobs")
    model_key = models.CharField(max_length=200, help_text="Catalogue key, or the free model id for custom models")
    provider = models.CharField(max_length=20)
    adapter = models.CharField(max_length=30)
    remote_model = models.CharField(max_length=200, blank=True)
    prompt = models.TextField(blank=True)
    params = models.JSONField(default=dict, help_text="The form's values, for Run again")
    request_body = models.JSONField(default=dict, help_text="What was sent, never a secret")
    input_file = models.CharField(max_length=500, blank=True, help_text="Uploaded input: its name in the media storage")
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.PENDING)
    raw_status = models.CharField(max_length=100, blank=True, help_text="The provider's own status word")
    remote_id = models.CharField(max_length=200, blank=True, db_index=True)
    error_message = models.TextField(blank=True, help_text="Why it failed, in a sentence: the provider's last log line")
    provider_log = models.JSONField(default=list, blank=True,
                                    help_text="A failed job's log lines from the provider, oldest first")
    waiting_reason = models.CharField(max_length=300, blank=True, help_text="Why a retry is pending, shown on the job")
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    credit_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    compare_group = models.UUIDField(null=True, blank=True, db_index=True)
    batch = models.ForeignKey(Batch, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs")
    batch_row = models.PositiveIntegerField(null=True, blank=True,
                                            help_text="The row of the batch's input it came from, as numbered there")
    submission_key = models.CharField(max_length=64, blank=True, help_text="From the form: a second post of it is the same job")
    created_at = models.DateTimeField(default=timezone.now)
    submit_started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # sync_requested_at comes from SyncClaim: stamped when a sync (or a send) is asked for this row
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "submission_key"], condition=~models.Q(submission_key=""),
                                    name="unique_submission_per_owner"),
            # One remote job belongs to one row: a reconcile race becomes an error instead of a shared job.
            models.UniqueConstraint(fields=["account", "adapter", "remote_id"], condition=~models.Q(remote_id=""),
                                    name="one_job_per_remote_job"),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="job_workspace_recent"),
            # A member's jobs this month, read by every submission when the workspace sets limits.
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            models.Index(fields=["state", "last_synced_at"], name="job_state_synced"),
            # typical_seconds: a model's latest successes, read by every poll of a running job's status.
            models.Index(fields=["model_key", "state", "-finished_at"], name="job_model_recent_finish"),
            # An account's jobs in flight (its concurrency cap) and its waiting jobs, oldest first.
            models.Index(fields=["account", "state", "created_at"], name="job_account_state"),
            models.Index(fields=["batch", "state"], name="job_batch_state"),
        ]

    def __str__(self):
        return f"{self.model_key} {self.uuid} ({self.state})"

    @property
    def model_label(self) -> str:
        return model_label(self.model_key)

    @property
    def is_active(self):
        return self.state in ACTIVE_STATES

    @property
    def elapsed_seconds(self):
        end = self.finished_at or timezone.now()
        return max(0, (end - self.created_at).total_seconds())


class JobEvent(models.Model):
    """Every state change of a job, with its time: the job's timeline."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


class OutputDeletion(models.Model):
    """Outputs someone deleted from a job (its row stays): the job's page says how many, by whom and when instead
    of a finished job that seems to have returned nothing."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="output_deletions")
    at = models.DateTimeField(default=timezone.now)
    actor_name = models.CharField(max_length=150)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["at", "id"]


class OutputKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"
    TEXT = "text", "Text"  # a transcript or any text a model answers with: no URL, its text on the row


class ArchiveState(models.TextChoices):
    PENDING = "pending", "Pending"
    ARCHIVED = "archived", "Archived"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class Output(models.Model):
    """One result of a job: a file's remote link (which expires) and the local copy the console keeps, or a text
    (kind text), kept on the row and archived as a .txt file."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="outputs")
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="outputs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="outputs",
                              help_text="Who submitted its job; empty once that user is deleted: the workspace keeps the row")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=OutputKind.choices)
    remote_url = models.TextField(blank=True)
    remote_thumbnail_url = models.TextField(blank=True)
    text = models.TextField(blank=True, help_text="A text output's text (a transcript, say); empty for media")
    file = models.CharField(max_length=500, blank=True, help_text="Its name in the media storage")
    thumbnail = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    archive_state = models.CharField(max_length=10, choices=ArchiveState.choices, default=ArchiveState.PENDING)
    archive_error = models.CharField(max_length=500, blank=True)
    archive_attempts = models.PositiveIntegerField(default=0)
    archive_retry_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    favourite = models.BooleanField(default=False)
    # Copied from the job so the gallery filters and pages without a join.
    model_key = models.CharField(max_length=200)
    provider = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="unique_output_position")]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="output_workspace_recent"),
            models.Index(fields=["archive_state", "archive_retry_at"], name="output_archive_due"),
            # The gallery's model and provider filter choices: DISTINCT reads this index, not the table.
            models.Index(fields=["workspace", "model_key", "provider"], name="output_workspace_model"),
            # The gallery's search reads a workspace's text outputs beside its prompt search (search.py); they are
            # few among the media, so these entries are all it reads, never the whole table.
            models.Index(fields=["workspace", "-created_at"], condition=models.Q(kind="text"),
                         name="output_workspace_text"),
        ]

    @property
    def model_label(self) -> str:
        return model_label(self.model_key)

    def __str__(self):
        return f"{self.kind} #{self.position} of {self.job_id}"


class WebhookDelivery(models.Model):
    """One announcement of a finished job to its owner's webhook, retried with backoff until delivered."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="webhook_deliveries")
    url = models.URLField(max_length=500)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Sent as X-Console-Delivery on every attempt, so a receiver can drop a repeat.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The worker that claimed this row is POSTing until then; nobody else may (see webhooks.deliver).
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]


class OrderedJSONField(models.TextField):
    """JSON kept as written, as text: PostgreSQL's jsonb reorders an object's keys, and a catalogue document's
    properties are in the order its form shows them."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)


class CatalogueEntry(models.Model):
    """A model the console's admins added, or a shipped model they edited or disabled (jobs/catalogue/): the
    document as saved, so the catalogue is data, not a release."""

    model_id = models.CharField(max_length=200, unique=True)
    document = OrderedJSONField(help_text="The model's catalogue document, as validated (catalogue/documents.py)")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["model_id"]

    def __str__(self):
        return self.model_id


class CatalogueChange(models.Model):
    """Each change to the catalogue, with who made it and when: a removed model leaves this row behind."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        EDITED = "edited", "Edited"
        DISABLED = "disabled", "Disabled"
        ENABLED = "enabled", "Enabled"
        REMOVED = "removed", "Removed"

    model_id = models.CharField(max_length=200, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept when the user is deleted")
    at = models.DateTimeField(default=timezone.now)
    document = OrderedJSONField(null=True, blank=True, help_text="The document after the change")

    class Meta:
        ordering = ["-at", "-id"]


class JobInputFile(models.Model):
    """A file a job's model takes as a parameter (a clip to transcribe, say): kept in the media storage for the job's
    page, uploaded through the provider's Files API when the job is sent, deleted there once the job is final
    (jobs/input_files.py). The upload links themselves are never kept: they are bearer credentials."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="input_files")
    parameter = models.CharField(max_length=200, help_text="The config key whose value is this file's download link")
    file = models.CharField(max_length=500, help_text="Its name in the media storage")
    file_name = models.CharField(max_length=200, help_text="The name it was uploaded with, made safe")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    remote_file_id = models.CharField(max_length=200, blank=True, help_text="The provider's file id, once created")
    uploaded_at = models.DateTimeField(null=True, blank=True, help_text="When its bytes reached the provider")
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="When it was deleted at the provider")
    delete_error = models.CharField(max_length=500, blank=True, help_text="Why the last delete at the provider failed")
    delete_attempts = models.PositiveIntegerField(default=0)
    delete_retry_at = models.DateTimeField(null=True, blank=True, help_text="When the sweep tries the delete again")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["job", "parameter"]
        constraints = [models.UniqueConstraint(fields=["job", "parameter"], name="one_input_file_per_parameter")]
        indexes = [
            # The sweep's read: files still at the provider (jobs/sweeps.py, input_file_deletes_due).
            models.Index(fields=["delete_retry_at"], name="input_file_delete_due",
                         condition=models.Q(deleted_at=None) & ~models.Q(remote_file_id="")),
        ]

    def __str__(self):
        return f"{self.parameter} of job {self.job_id}"
