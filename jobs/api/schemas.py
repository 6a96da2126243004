"""What the jobs API reads and answers. Answers are built field by field (jobs/api/answers.py): a provider
account is named by its UUID and label, its token never leaves the accounts app."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from jobs.forms import CompareForm, JobForm

PROMPT_MAX_LENGTH = JobForm.base_fields["prompt"].max_length


class ModelOut(Schema):
    key: str
    label: str
    description: str
    provider: str
    output_kind: str
    needs_image: bool = Field(description="The job needs a first frame: `image` in POST /jobs.")
    takes_prompt: bool = Field(description="The job has a prompt (required); a model without one takes none.")
    legacy: bool
    parameters: dict[str, Any] = Field(description="JSON Schema of this model's `parameters` in POST /jobs.")


class JobIn(Schema):
    """POST /jobs as JSON (multipart/form-data carries the same fields, `parameters` as JSON text)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="A key from GET /models.")
    prompt: str | None = Field(None, json_schema_extra={"minLength": 1, "maxLength": PROMPT_MAX_LENGTH},
                               description="Required by a model that takes one (GET /models: `takes_prompt`).")
    parameters: dict[str, Any] = Field(default_factory=dict,
                                       description="The model's parameters (GET /models: `parameters`); "
                                                   "left out, a parameter takes its default.")
    account: UUID | None = Field(None, description="A provider account of the workspace; by default its default "
                                                   "account of the model's provider (marked in Settings).")
    image: str | None = Field(None, description="For a model that needs an image: a data URL, "
                                                "`data:image/png;base64,…` (PNG or JPEG, up to 10 MB).")


class OutputOut(Schema):
    uuid: UUID
    kind: str
    archive_state: str = Field(description="pending (being copied), archived, failed or expired.")
    content_type: str
    size: int | None
    sha256: str
    width: int | None
    height: int | None
    duration_seconds: float | None
    file_url: str | None = Field(description="The archived file (GET); null until it is archived. A text output's "
                                             "is its text as a UTF-8 .txt file.")
    text: str | None = Field(description="A text output's text (kind `text`: a transcript, say), there from the "
                                         "start; null for media.")


class JobSummary(Schema):
    uuid: UUID
    state: str
    state_label: str
    model: str
    model_label: str
    provider: str
    prompt: str
    submitted_by: str
    created_at: datetime
    finished_at: datetime | None
    outputs: list[OutputOut]


class EventOut(Schema):
    at: datetime
    from_state: str
    to_state: str
    note: str


class JobOut(JobSummary):
    progress_percent: int = Field(description="An estimate from the model's recent durations; 100 when finished.")
    parameters: dict[str, Any]
    seed: int | None
    account: UUID | None
    account_label: str
    updated_at: datetime = Field(description="The job's last change of state.")
    submitted_at: datetime | None
    started_at: datetime | None
    error: str
    waiting_reason: str = Field(description="Why the job waits (a retry, a busy account), when it does.")
    provider_status: str = Field(description="The provider's own status word, as it said it.")
    credit_cost: float | None
    compare_group: UUID | None
    timeline: list[EventOut]


class JobPage(Schema):
    items: list[JobSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class DeletedJob(Schema):
    uuid: UUID
    note: str = Field(description="Empty, or what could not be deleted (the provider's copy).")


class CompareIn(Schema):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(json_schema_extra={"minLength": 1, "maxLength": CompareForm.base_fields["prompt"].max_length})
    models: list[str] = Field(json_schema_extra={"minItems": 2},
                              description="At least two keys from GET /models, of models that need no image.")


class CompareOut(Schema):
    group: UUID
    jobs: list[JobSummary]
