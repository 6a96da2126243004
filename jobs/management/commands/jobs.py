import argparse
import json

from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.models import Job, name_of
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role

MAX_LIMIT = 100_000  # a query's LIMIT must fit the database's integer; nobody reads more rows than this


class Command(BaseCommand):
    help = ("List the jobs of a workspace the user belongs to, a teammate's included: uuid, model, state, who "
            "submitted it, remote id, error and outputs (local path, archive state).")

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
                self.stdout.write(f"    {output['kind']:<6} {output['archive_state']:<9} {output['path'] or '-'}")


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
        "outputs": [{"kind": o.kind, "archive_state": o.archive_state,
                     "path": str(settings.MEDIA_ROOT / o.file) if o.file else None} for o in job.outputs.all()],
    }
