import argparse
import json

from django.core.management.base import BaseCommand

from jobs.models import Job, OutputKind, name_of
from jobs.storage import local_path
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role

MAX_LIMIT = 100_000  # a query's LIMIT must fit the database's integer; nobody reads more rows than this
ONE_LINE_CHARS = 100


class Command(BaseCommand):
    help = ("List the jobs of a workspace the user belongs to, a teammate's included: uuid, model, state, who "
            "submitted it, remote id, error and outputs (storage name, local path, archive state, and a text "
            "output's text).")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        add_workspace_option(parser)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--limit", type=limit_option, default=50, help=f"1 to {MAX_LIMIT} jobs, newest first")

    def handle(self, *args, user, workspace, limit, **options):
        shown = workspace_for(user_named(user), workspace, Role.VIEWER)
        jobs = Job.objects.filter(workspace=shown).select_related("owner").prefetch_related("outputs")[:limit]
        rows = [_row(job) for job in jobs]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row['uuid']}  {row['state']:<10} {row['model']:<40} {row['submitted_by']:<16}"
                              f" {row['remote_id'] or '-'}  {row['error'] or ''}")
            for output in row["outputs"]:
                where = output["path"] or output["file"] or "-"
                self.stdout.write(f"    {output['kind']:<6} {output['archive_state']:<9} {where}")
                if "text" in output:
                    self.stdout.write(f"           {_one_line(output['text'])}")


def limit_option(text: str) -> int:
    """A count of rows: a negative or astronomical --limit would crash the query instead of being refused."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text[:40]!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_LIMIT}, not {text[:40]}")
    return value


def _row(job):
    return {
        "uuid": str(job.uuid), "model": job.model_key, "state": job.state,
        "submitted_by": name_of(job.owner), "remote_id": job.remote_id,
        "error": job.error_message, "created_at": job.created_at.isoformat(),
        "outputs": [_output(output) for output in job.outputs.all()],
    }


def _output(output):
    """`file` is its name in the media storage; `path` where that is on this host's disk (null for an object store);
    `text`, in a text output's only, its whole text."""
    path = local_path(output.file) if output.file else None
    row = {"kind": output.kind, "archive_state": output.archive_state, "file": output.file or None,
           "path": str(path) if path else None}
    return {**row, "text": output.text} if output.kind == OutputKind.TEXT else row


def _one_line(text: str) -> str:
    """The start of a text on one line, for the listing; --json has it whole."""
    flat = " ".join(text.split())
    return flat if len(flat) <= ONE_LINE_CHARS else flat[: ONE_LINE_CHARS - 1] + "…"
