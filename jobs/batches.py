"""Making a batch: rows checked against the model, a draft to preview, then Start turns it into jobs.

A draft holds only rows that passed; a row refused (its number and reason) keeps the whole batch from being
saved unless the person chose to drop refused rows. Start creates every job `pending` in one transaction, with
the member's monthly limit checked for all of them at once, then offers the account's free slots: the jobs are
sent as the account's concurrency cap allows (slots.py).
"""

import functools
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from jobs import batch_input, catalogue, limits, selectors
from jobs.adapters import MAX_SEED
from jobs.batch_input import IMAGE_COLUMN, MAX_CELL_CHARS, SEED_COLUMN, RawRow
from jobs.forms import checked_first_frame
from jobs.models import ArchiveState, Batch, BatchEvent, BatchState, Job, JobEvent, JobState, Output, OutputKind
from jobs.submission import replayable, store_input, unsaved_job
from netmind_console.accounts.models import Provider
from netmind_console.core.ids import parse_uuid
from netmind_console.core.queue import enqueue

CREATE_BATCH = 500  # rows per INSERT: SQLite caps the parameters of one statement
MAX_REASON_CHARS = 300
BOOLEAN_CELLS = {"true": True, "yes": True, "on": True, "1": True,
                 "false": False, "no": False, "off": False, "0": False}
CREDIT_HISTORY = 20  # an Apinfer model's cost per job: the mean of its last jobs the provider priced


class RowsRefused(ValueError):
    """Some rows cannot be sent; `refused` lists them ({row, reason}) and nothing was saved."""

    def __init__(self, refused: list[dict]):
        self.refused = refused
        super().__init__(f"{len(refused)} row{'s' if len(refused) != 1 else ''} refused")


@dataclass
class Preview:
    jobs: int
    credits: Decimal | None  # None: not an Apinfer model, or no job of it priced yet
    seconds: float  # to all final, at the account's cap, from this console's own history


def columns_for(spec: catalogue.ModelSpec) -> list[str]:
    """The CSV columns a model takes beside `prompt`."""
    columns = [field.name for field in spec.fields]
    if spec.has_negative_prompt:
        columns.append("negative_prompt")
    if spec.has_seed:
        columns.append(SEED_COLUMN)
    if spec.needs_image:
        columns.append(IMAGE_COLUMN)
    return columns


def draft_from_form(user, workspace, batch_form) -> Batch:
    """The draft a valid BatchForm describes. Raises InputRefused (the input as a whole) or RowsRefused."""
    data = batch_form.cleaned_data
    seeds = data.get("seeds") or 1
    upload = data.get("prompts_file")
    if upload:
        rows = batch_input.from_csv(upload, columns_for(batch_form.spec), seeds)
    else:
        rows = batch_input.from_lines(data.get("prompts", ""), seeds)
    return make_draft(user, workspace, batch_form, rows, seeds=seeds, images=data.get("images") or [],
                      drop_refused=data.get("drop_refused", False), name=upload.name if upload else "")


def make_draft(user, workspace, job_form, raw_rows: list[RawRow], *, seeds: int = 1, images=(),
               drop_refused: bool = False, name: str = "") -> Batch:
    """A draft of `raw_rows` with the values of `job_form` (a valid batch form: the model, the account and the
    values every row shares). Raises RowsRefused, saving nothing, when a row is refused and not to be dropped."""
    spec = job_form.spec
    uploads = {upload.name: upload for upload in images}
    images = functools.cache(lambda cell: _image_reference(cell, uploads, workspace))  # each checked once
    checked, refused = [], []
    for raw in raw_rows:
        try:
            checked.append(_checked_row(job_form, raw, images))
        except forms.ValidationError as error:
            reason = f"Row {raw.number}: {' '.join(error.messages)}"
            refused.append({"row": raw.number, "reason": _shortened(reason)})
    if refused and not drop_refused or not checked:
        raise RowsRefused(refused)
    with transaction.atomic():
        batch = Batch.objects.create(
            workspace=workspace, owner=user, account=job_form.cleaned_data["account"], model_key=spec.key,
            provider=spec.provider, params=replayable(job_form.shared_values()), seeds_per_row=seeds,
            rows=[], dropped_rows=refused, job_count=len(checked) * seeds,
            name=(name or checked[0]["prompt"])[:200])
        _store_images(batch, checked, uploads, job_form)
        batch.rows = checked
        batch.save(update_fields=["rows"])
        BatchEvent.objects.create(batch=batch, action="created", actor_name=user.get_username(),
                                  note=f"{batch.job_count:,} jobs previewed")
    return batch


def _shortened(reason: str) -> str:
    """A reason may quote a cell (a choice field's "… is not one of the available choices"), and a cell may hold
    thousands of characters."""
    return reason if len(reason) <= MAX_REASON_CHARS else reason[:MAX_REASON_CHARS - 1] + "…"


def _checked_row(job_form, raw: RawRow, images) -> dict:
    if not raw.prompt:
        raise forms.ValidationError("the prompt is empty.")
    if len(raw.prompt) > MAX_CELL_CHARS:
        raise forms.ValidationError(f"the prompt is longer than {MAX_CELL_CHARS} characters.")
    values, problems = {}, []
    for column, cell in raw.cells.items():
        try:
            values[column] = _cell_value(job_form, column, cell, images)
        except forms.ValidationError as error:
            problems.append(f"{column}: {' '.join(error.messages)}")
    if job_form.spec.needs_image and IMAGE_COLUMN not in raw.cells and not job_form.cleaned_data.get("image"):
        problems.append("image: name a gallery image (its id) or an uploaded image's file name.")
    if problems:
        raise forms.ValidationError("; ".join(problems))
    return {"row": raw.number, "prompt": raw.prompt, "values": values}


def _cell_value(job_form, column: str, cell: str, images):
    if column == SEED_COLUMN:
        return forms.IntegerField(min_value=0, max_value=MAX_SEED).clean(cell)
    if column == IMAGE_COLUMN:
        return images(cell)
    if column == "negative_prompt":
        return forms.CharField(max_length=2000).clean(cell)
    field = job_form.fields[column]
    if isinstance(field, forms.BooleanField):  # a checkbox's clean takes any text but "false" and "0" for yes
        if cell.lower() not in BOOLEAN_CELLS:
            raise forms.ValidationError("Enter yes or no (or true or false).")
        return BOOLEAN_CELLS[cell.lower()]
    return field.clean(cell)


def _image_reference(cell: str, uploads: dict, workspace) -> str:
    """"upload:<file name>" for an image uploaded with the batch, "output:<uuid>" for a gallery image."""
    if cell in uploads:
        checked_first_frame(uploads[cell])
        return f"upload:{cell}"
    output_uuid = parse_uuid(cell)
    output = output_uuid and Output.objects.filter(workspace=workspace, kind=OutputKind.IMAGE, uuid=output_uuid,
                                                   archive_state=ArchiveState.ARCHIVED).first()
    if not output:
        raise forms.ValidationError(f"“{cell[:60]}” is neither an uploaded image nor an image in this gallery.")
    try:  # a first frame as the New job form takes one: PNG or JPEG, not too large
        with default_storage.open(output.file, "rb") as stored:
            checked_first_frame(stored)
    except (OSError, SuspiciousFileOperation):
        raise forms.ValidationError(f"The gallery image {output_uuid} is no longer stored here.") from None
    return f"output:{output_uuid}"


def _store_images(batch: Batch, rows: list[dict], uploads: dict, job_form):
    """Each first frame the rows name, copied once under the batch's inputs, where every job of it reads it."""
    stored = {}
    default = "form:" if job_form.spec.needs_image else None
    for row in rows:
        reference = row["values"].pop(IMAGE_COLUMN, default)
        if reference is None:
            continue
        if reference not in stored:
            stem = f"inputs/batch-{batch.uuid}/{len(stored) + 1}"
            stored[reference] = store_input(stem, _image_file(reference, uploads, job_form))
        row["input_file"] = stored[reference]


def _image_file(reference: str, uploads: dict, job_form):
    kind, _, key = reference.partition(":")
    if kind == "form":
        return job_form.cleaned_data["image"]
    if kind == "upload":
        return uploads[key]
    with default_storage.open(Output.objects.get(uuid=key).file, "rb") as stored:
        return ContentFile(stored.read())


def preview(batch: Batch) -> Preview:
    return Preview(jobs=batch.job_count, credits=_credits_estimate(batch), seconds=_seconds_estimate(batch))


def _credits_estimate(batch: Batch) -> Decimal | None:
    if batch.provider != Provider.APINFER:
        return None
    recent = (Job.objects.filter(workspace_id=batch.workspace_id, model_key=batch.model_key, credit_cost__isnull=False)
              .order_by("-created_at").values_list("credit_cost", flat=True)[:CREDIT_HISTORY])
    priced = list(recent)
    if not priced:
        return None
    return (sum(priced) / len(priced) * batch.job_count).quantize(Decimal("0.01"))


def _seconds_estimate(batch: Batch) -> float:
    """One job's usual time × the rounds of the account's cap the jobs take."""
    cap = batch.account.concurrency_cap if batch.account else 1
    rounds = -(-batch.job_count // cap)
    return rounds * selectors.typical_seconds(batch.model_key)


class ModelNotOffered(Exception):
    pass


def start(batch: Batch, user) -> bool:
    """Turn a draft into its jobs, all `pending`, and offer them the account's free slots; False if it was
    started already (a second click). Raises limits.MemberLimitReached or ModelNotOffered (its model was disabled or
    removed since the draft was made), creating nothing."""
    spec = catalogue.submittable(batch.model_key)
    if spec is None:
        raise ModelNotOffered(f"{batch.model_label} is no longer offered (an administrator "
                              "disabled or removed it): this draft cannot start. Discard it.")
    with transaction.atomic():
        if not Batch.objects.filter(pk=batch.pk, state=BatchState.DRAFT).update(
                state=BatchState.RUNNING, started_at=timezone.now()):
            return False
        limits.check(user, batch.workspace, batch.provider, adding=batch.job_count)
        jobs = [job for row in batch.rows for job in _jobs_of(batch, spec, row, user)]
        Job.objects.bulk_create(jobs, batch_size=CREATE_BATCH)
        JobEvent.objects.bulk_create([JobEvent(job=job, to_state=JobState.PENDING, note="Saved with its batch")
                                      for job in jobs], batch_size=CREATE_BATCH)
        Batch.objects.filter(pk=batch.pk).update(rows=[])
        BatchEvent.objects.create(batch=batch, action="started", actor_name=user.get_username(),
                                  note=f"{len(jobs):,} jobs created")
        enqueue("jobs.tasks.fill_slots", batch.account_id)
    batch.refresh_from_db()
    return True


def _jobs_of(batch: Batch, spec: catalogue.ModelSpec, row: dict, user) -> list[Job]:
    values = {**batch.params, **row["values"], "prompt": row["prompt"], "account": batch.account}
    jobs = []
    for seed in _seeds(batch, spec, values, row["values"].get(SEED_COLUMN)):
        if seed is not None:
            values = {**values, "seed_mode": "fixed", "seed": seed}
        jobs.append(unsaved_job(user, batch.workspace, spec, values, batch=batch, batch_row=row["row"],
                                input_file=row.get("input_file", "")))
    return jobs


def _seeds(batch: Batch, spec: catalogue.ModelSpec, values: dict, row_seed: int | None) -> list[int | None]:
    """The row's seed (or the form's fixed one) and the next ones, or random seeds: fixed at creation, so a
    retry repeats them and the manifest shows them."""
    if not spec.has_seed:
        return [None] * batch.seeds_per_row
    first = row_seed if row_seed is not None else (values.get("seed") if values.get("seed_mode") == "fixed" else None)
    if first is not None:
        return [(int(first) + offset) % (MAX_SEED + 1) for offset in range(batch.seeds_per_row)]
    return random.sample(range(MAX_SEED + 1), batch.seeds_per_row)  # "each time with another seed"


def discard(batch: Batch) -> bool:
    """Delete a draft (and the first frames copied for it); False if it was started meanwhile."""
    with transaction.atomic():
        # Its rows as stored (the caller's copy may have deferred them), held until the delete commits.
        draft = Batch.objects.select_for_update().filter(pk=batch.pk, state=BatchState.DRAFT).first()
        if draft is None:
            return False
        draft.delete()
    for path in {row["input_file"] for row in draft.rows if row.get("input_file")}:
        default_storage.delete(path)
    return True


def discard_stale_drafts(now=None, older_than=timedelta(days=1)) -> int:
    """Drafts nobody started within a day; the reconcile sweep discards them. How many."""
    stale = Batch.objects.filter(state=BatchState.DRAFT, created_at__lt=(now or timezone.now()) - older_than)
    return sum(discard(batch) for batch in stale)
