"""A batch as one download: every archived output, named by its row and seed, and `manifest.csv` saying which
job made each file (and which jobs made none, and why). A text output (a transcript) is its `.txt` file, and its text
is in the manifest too, in a `text` column the manifest has when the batch has any text output."""

import csv
import io
import json

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from jobs.models import Batch, Output, OutputKind
from jobs.zips import Entry, download, stored_file, suffix
from netmind_console.core.spreadsheet import safe_cell

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ["row", "prompt", "parameters", "seed", "job id", "state", "file name", "error"]
TEXT_COLUMN = "text"
# Shown in their own columns: the parameters column holds what else the job was sent with.
OWN_COLUMNS = {"prompt", "seed", "seed_mode"}


def batch_zip_response(batch: Batch):
    """The batch's files and manifest as a streamed ZIP; a batch without files still has its manifest."""
    jobs = (batch.jobs.order_by("batch_row", "id")
            .prefetch_related(Prefetch("outputs", queryset=Output.objects.order_by("position"))))
    files, lines, texts = [], [], False
    for job in jobs.iterator(chunk_size=500):
        named = [(output, stored, _file_name(job, output, stored)) for output in job.outputs.all()
                 if (stored := stored_file(output))]
        files += [Entry(name, output.created_at, stored=stored) for output, stored, name in named]
        lines += [[*_manifest_line(job, name), _text_cell(output)] for output, _, name in named] \
            or [[*_manifest_line(job, ""), ""]]
        texts = texts or any(output.kind == OutputKind.TEXT for output, _, _ in named)
    columns = [*MANIFEST_COLUMNS, TEXT_COLUMN] if texts else MANIFEST_COLUMNS
    manifest = Entry(MANIFEST_NAME, timezone.now(), data=_csv(columns, [line[: len(columns)] for line in lines]))
    stem = slugify(batch.name)[:40] or "batch"
    return download([manifest, *files], f"batch-{stem}-{batch.uuid.hex[:8]}.zip")


def _file_name(job, output, stored: str) -> str:
    """`row-0002-seed-5-1a2b3c4d-0.png`: sorted by row, readable beside the manifest, unique by job and position."""
    seed = f"-seed-{job.seed}" if job.seed is not None else ""
    return f"row-{job.batch_row or 0:04d}{seed}-{job.uuid.hex[:8]}-{output.position}{suffix(stored)}"


def _manifest_line(job, file_name: str) -> list[str]:
    parameters = {key: value for key, value in job.params.items() if key not in OWN_COLUMNS}
    return [str(job.batch_row or ""), safe_cell(job.prompt), json.dumps(parameters, sort_keys=True, ensure_ascii=False),
            "" if job.seed is None else str(job.seed), str(job.uuid), job.state, file_name,
            safe_cell(job.error_message)]


def _text_cell(output) -> str:
    return safe_cell(output.text) if output.kind == OutputKind.TEXT else ""


def _csv(columns: list[str], lines: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerows(lines)
    return text.getvalue().encode()
