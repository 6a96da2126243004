import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from netmind_console.core.claims import SyncClaim


class Flavor(models.Model):
    """A GPU offer as the provider last listed it; refreshed on demand, never edited by hand.

    Keyed by the account's base URL too: the sandbox and the real API list different flavors,
    and an endpoint may only use a flavor from the API it is created on.
    """

    base_url = models.URLField(max_length=300)
    flavor_id = models.CharField(max_length=100)
    display_name = models.CharField(max_length=200)
    cluster_id = models.CharField(max_length=100, blank=True)
    cluster_flavor_id = models.CharField(max_length=100, blank=True)
    cuda = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=50, blank=True)
    usd_per_gpu_hour = models.DecimalField(max_digits=10, decimal_places=4)
    available_num = models.PositiveIntegerField(default=0)
    node_max_gpu = models.PositiveIntegerField(default=1)
    listed = models.BooleanField(default=True, help_text="False once the provider stops listing it")
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["display_name", "region", "flavor_id"]
        constraints = [models.UniqueConstraint(fields=["base_url", "flavor_id"], name="unique_flavor_per_api")]

    def __str__(self):
        return f"{self.gpu_name} · {self.region or 'any region'} · ${self.usd_per_gpu_hour}/GPU-h"

    @property
    def gpu_name(self):
        """The GPU as every page shows it: the provider lists "NVIDIA_GeForce_RTX_4090", people read spaces."""
        return self.display_name.replace("_", " ")

    @property
    def is_available(self):
        return self.listed and self.available_num > 0


class Status(models.TextChoices):
    PENDING = "pending", "Pending"  # saved, not yet sent
    CREATING = "creating", "Creating"  # claimed by one worker, create call in flight
    INITIALIZING = "initializing", "Initializing"
    AVAILABLE = "available", "Available"
    STOPPED = "stopped", "Stopped"
    UNAVAILABLE = "unavailable", "Unavailable"
    REJECTED = "rejected", "Rejected"  # the provider refused the create call
    UNKNOWN = "unknown", "Unknown"  # the create call's outcome was lost: adopt it by id if it exists
    OTHER = "other", "Other"  # a word the provider never used before: kept in raw_status
    DELETED = "deleted", "Deleted"


# Statuses in which the provider holds GPUs for the service, so the time counts towards spend.
# An unavailable service failed to deploy or scale; we assume it is not billed.
BILLED_STATUSES = {Status.INITIALIZING, Status.AVAILABLE}
# Statuses that change only because somebody acts, not by themselves.
SETTLED_STATUSES = {Status.STOPPED, Status.UNAVAILABLE, Status.REJECTED, Status.UNKNOWN, Status.DELETED}
UNSENT_INTENT_STATES = ("pending", "sending")  # ScaleIntent.State, which is defined further down
# The most instances one endpoint runs: the forms, the scale service and the pages share it.
MAX_INSTANCES = 20


class Endpoint(SyncClaim):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="endpoints")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="endpoints",
                              help_text="Who created or adopted it; empty once that user is deleted: the workspace keeps the row")
    account = models.ForeignKey(
        "accounts.ProviderAccount", on_delete=models.SET_NULL, null=True, related_name="endpoints"
    )
    create_key = models.UUIDField(
        unique=True, null=True, blank=True, help_text="From the form render: a second submit finds this row"
    )
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    flavor = models.ForeignKey(Flavor, on_delete=models.SET_NULL, null=True, related_name="endpoints")
    service_id = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    raw_status = models.CharField(max_length=100, blank=True, help_text="The provider's own status word")
    status_info = models.TextField(blank=True)
    target_instances = models.PositiveIntegerField(default=1, help_text="What the console last asked for")
    reported_instances = models.PositiveIntegerField(default=0, help_text="What the provider last reported")
    last_nonzero_instances = models.PositiveIntegerField(default=1, help_text="What Start scales back to")
    gpus_per_instance = models.PositiveIntegerField(default=1)
    usd_per_gpu_hour = models.DecimalField(
        max_digits=10, decimal_places=4, default=0, help_text="Price when created; flavors may be refreshed later"
    )
    image_url = models.CharField(max_length=500, blank=True)
    command = models.TextField(blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    endpoint_url = models.URLField(max_length=500, blank=True)
    monthly_budget_usd = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    budget_warned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    delete_requested_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="endpoint_workspace_recent")]

    def __str__(self):
        return f"{self.name} ({self.status})"

    @property
    def is_billed(self):
        return self.status in BILLED_STATUSES

    @property
    def is_settled(self):
        """Nothing will change without somebody acting: polling may stop."""
        if self.status == Status.DELETED:
            return True
        if self.delete_requested_at or self.scale_intents.filter(state__in=UNSENT_INTENT_STATES).exists():
            return False  # a wish the worker has not sent yet is about to change the status
        if self.status == Status.STOPPED and self.target_instances:
            return False  # a start the provider accepted but still reports as stopped
        if self.status in SETTLED_STATUSES:
            return True
        return self.status == Status.AVAILABLE and self.target_instances == self.reported_instances

    @property
    def status_word(self):
        return self.raw_status if self.status == Status.OTHER else self.get_status_display()

    @property
    def hourly_usd(self):
        instances = self.reported_instances if self.is_billed else 0
        return instances * self.gpus_per_instance * self.usd_per_gpu_hour


class EndpointEvent(models.Model):
    """Every change of status or instance count, with the price then: the basis of spend.

    An event's values hold from its `at` until the next event's `at`.
    """

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices)
    raw_status = models.CharField(max_length=100, blank=True)
    instances = models.PositiveIntegerField()
    gpus_per_instance = models.PositiveIntegerField()
    usd_per_gpu_hour = models.DecimalField(max_digits=10, decimal_places=4)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.endpoint.name} {self.status} ×{self.instances} @ {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def is_billed(self):
        return self.status in BILLED_STATUSES

    @property
    def status_word(self):
        return self.raw_status if self.status == Status.OTHER else self.get_status_display()

    @property
    def hourly_usd(self):
        instances = self.instances if self.is_billed else 0
        return instances * self.gpus_per_instance * self.usd_per_gpu_hour


class ScaleIntent(models.Model):
    """One wish to run N instances. Exactly one worker may claim it and send it (see scaling.apply_scale).

    `key` comes from the form render, so a double click or a resubmitted page is the same intent.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"  # the endpoint already had this target: nothing to send
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        MANUAL = "manual", "Manual"
        BUDGET = "budget", "Budget reached"
        SCHEDULE = "schedule", "Schedule"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="scale_intents")
    key = models.UUIDField(unique=True, default=uuid.uuid4)
    target = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    note = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.endpoint.name} → {self.target} ({self.state})"


WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]  # index = date.weekday()


class EndpointSchedule(models.Model):
    """A weekly window: scale to `instances` at its start and to 0 at its end, on the chosen weekdays.

    Times are wall-clock times in the owner's time zone (Preferences.time_zone), read when the
    window is applied, so a window keeps its local hours across DST and a change of time zone.
    """

    class Action(models.TextChoices):
        START = "start", "Start"
        STOP = "stop", "Stop"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="schedules")
    weekdays = models.CharField(max_length=7, help_text="Digits 0 (Monday) to 6 (Sunday)")
    start_time = models.TimeField()
    end_time = models.TimeField()
    instances = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)
    active_since = models.DateTimeField(
        default=timezone.now, help_text="Edges before this (added or resumed later) are never applied"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_edge_at = models.DateTimeField(null=True, blank=True, help_text="The window edge last applied")
    last_action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    last_outcome = models.CharField(max_length=300, blank=True, help_text="What happened at that edge, in words")

    class Meta:
        ordering = ["start_time", "weekdays", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")),
                                   name="schedule_ends_after_start"),
            models.CheckConstraint(condition=models.Q(instances__gte=1), name="schedule_runs_an_instance"),
        ]

    def __str__(self):
        window = f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        return f"{self.endpoint.name}: {self.days_label} {window} ×{self.instances}"

    @property
    def weekday_numbers(self) -> list[int]:
        return sorted({int(digit) for digit in self.weekdays})

    @property
    def days_label(self):
        """The days in words: "Mon–Fri" for a run of three or more, else "Mon, Wed"."""
        days = self.weekday_numbers
        if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
            return f"{WEEKDAY_NAMES[days[0]]}–{WEEKDAY_NAMES[days[-1]]}"
        return ", ".join(WEEKDAY_NAMES[day] for day in days)
