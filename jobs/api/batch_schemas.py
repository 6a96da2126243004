"""What the batches API reads and answers (jobs/api/batches_api.py)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from jobs.api.schemas import JobSummary
from jobs.batch_input import MAX_BATCH_JOBS, MAX_CELL_CHARS
from jobs.forms import MAX_SEEDS_PER_ROW

ROW_NUMBERS = ("A row's number is its place in `prompts` or `rows`, counted from 1 (the jobs' `row`); a refusal "
               "names the item by its index, counted from 0 as in JSON: `rows[3]` is row 4.")


class BatchRowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(description=f"Up to {MAX_CELL_CHARS:,} characters.")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="This row's own values, over the batch's `parameters`: `seed`, any parameter of the model "
                    "(GET /models), and for a model that needs a first frame `image`: the id of an image output "
                    "of this workspace's gallery.")


class BatchIn(Schema):
    """POST /batches: the values every job shares, and the prompts as `prompts` or as `rows` (one of the two)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="A key from GET /models.")
    account: UUID | None = Field(None, description="A provider account of the workspace; by default its default "
                                                   "account of the model's provider (marked in Settings).")
    parameters: dict[str, Any] = Field(default_factory=dict,
                                       description="The model's parameters every row shares (GET /models: "
                                                   "`parameters`); left out, a parameter takes its default.")
    image: str | None = Field(None, description="For a model that needs an image: the first frame of every row "
                                                "that names none, as a data URL (PNG or JPEG, up to 10 MB).")
    prompts: list[str] | None = Field(None, json_schema_extra={"maxItems": MAX_BATCH_JOBS},
                                      description="One job per prompt (× `seeds`).")
    rows: list[BatchRowIn] | None = Field(None, json_schema_extra={"maxItems": MAX_BATCH_JOBS},
                                          description="Prompts with values of their own; instead of `prompts`.")
    seeds: int = Field(1, json_schema_extra={"minimum": 1, "maximum": MAX_SEEDS_PER_ROW},
                       description=f"Each prompt this many times, each with another seed (the row's, or the "
                                   f"fixed `parameters.seed`, counting up; else random). At most "
                                   f"{MAX_BATCH_JOBS:,} jobs in all.")
    drop_refused: bool = Field(False, description="Leave refused rows out (listed in `dropped_rows`); otherwise "
                                                  "a refused row refuses the batch.")
    dry_run: bool = Field(False, description="Only check and preview: nothing is saved or sent "
                                             "(an Idempotency-Key is not looked at).")


class RowRefusal(Schema):
    row: int
    reason: str


class BatchPreview(Schema):
    jobs: int
    credits: float | None = Field(description="Apinfer credits, estimated from the model's recent jobs; null "
                                              "where the provider does not price jobs or none is priced yet.")
    seconds: float = Field(description="Until every job is final, at the account's cap, from this console's "
                                       "own history of the model.")
    dropped_rows: list[RowRefusal] = Field(description="Rows refused and left out (drop_refused).")


class BatchLinks(Schema):
    self: str
    jobs: str


class BatchSummary(Schema):
    uuid: UUID
    name: str = Field(description="The first prompt.")
    model: str
    model_label: str
    provider: str
    state: str = Field(description="draft, running, paused or cancelled.")
    status_label: str = Field(description="As the page says it: Draft, Running, Paused, Cancelling, Cancelled "
                                          "or Finished.")
    job_count: int
    counts: dict[str, int] = Field(description="Its jobs by state, every state present.")
    percent: int = Field(description="Share of its jobs that are final.")
    created_by: str
    created_at: datetime
    started_at: datetime | None
    links: BatchLinks


class BatchEventOut(Schema):
    at: datetime
    action: str = Field(description="created, started, paused, resumed, cancelled or retried.")
    actor: str
    note: str


class BatchOut(BatchSummary):
    account: UUID | None
    account_label: str
    account_cap: int | None = Field(description="The account's jobs in flight at once; the others wait.")
    seeds_per_row: int
    parameters: dict[str, Any] = Field(description="The values every row shares, as the form had them.")
    waiting: int = Field(description="Jobs not sent yet: waiting for a slot, a retry, or the batch to resume.")
    in_flight: int
    finished: int
    eta_seconds: float | None = Field(description="Until every job is final; null unless running.")
    dropped_rows: list[RowRefusal]
    events: list[BatchEventOut]


class BatchActionOut(BatchOut):
    changed_jobs: int = Field(description="Jobs this action cancelled (cancel) or sent again (retry-failed); "
                                          "0 for pause and resume.")


class BatchPage(Schema):
    items: list[BatchSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class BatchJob(JobSummary):
    row: int | None = Field(description="Its row: the place in `prompts` or `rows` from 1, or the line or "
                                        "spreadsheet row on the page.")
    seed: int | None
    error: str
    waiting_reason: str


class BatchJobPage(Schema):
    items: list[BatchJob]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")
