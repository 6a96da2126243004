import json

from django.core.management.base import BaseCommand

from jobs import batch_control, selectors
from jobs.management.commands.jobs import limit_option
from jobs.models import name_of
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role


class Command(BaseCommand):
    help = ("List the batches of a workspace the user belongs to, newest first (every started one, and the user's "
            "own drafts): uuid, status, model, who made it, and its jobs counted by state.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        add_workspace_option(parser)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--limit", type=limit_option, default=50, help="How many, newest first")

    def handle(self, *args, user, workspace, limit, **options):
        reader = user_named(user)
        shown = workspace_for(reader, workspace, Role.VIEWER)
        rows = [_row(batch) for batch in selectors.batches_for(shown, reader)[:limit]]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            counted = ", ".join(f"{count} {state}" for state, count in row["counts"].items() if count) or "no jobs yet"
            self.stdout.write(f"{row['uuid']}  {row['status']:<10} {row['finished']:>5}/{row['job_count']:<5} "
                              f"{row['model']:<32} {row['created_by']:<16} {counted}")


def _row(batch) -> dict:
    progress = batch_control.progress(batch)
    return {
        "uuid": str(batch.uuid), "name": batch.name, "model": batch.model_key, "state": batch.state,
        "status": batch_control.status_label(batch, progress), "job_count": batch.job_count,
        "finished": progress.finished, "counts": progress.counts, "created_by": name_of(batch.owner),
        "account": batch.account.label if batch.account else None,
        "created_at": batch.created_at.isoformat(),
        "started_at": batch.started_at.isoformat() if batch.started_at else None,
    }
