from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from jobs import batches, catalogue, limits
from jobs.batch_input import MAX_BATCH_FILE_BYTES, InputRefused
from jobs.forms import BatchForm
from jobs.management.form_values import form_data, known_models
from netmind_console.accounts.models import Provider
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role

# The form's fields as this command's options name them; a model parameter is a --param.
OPTIONS = {"account": "--account", "prompts_file": "--file", "seeds": "--seeds", "drop_refused": "--drop-refused",
           "__all__": "--file"}


class Command(BaseCommand):
    help = ("Make a batch from a CSV (a `prompt` column and any parameter column: the New batch page's file) as a "
            "user in a workspace, start it, and print its UUID. The rows are checked as the page checks them; "
            "with a refused row nothing is created, unless --drop-refused.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        add_workspace_option(parser)
        parser.add_argument("--model", required=True, help="A catalogue key (see `submit`)")
        parser.add_argument("--file", required=True, help="The CSV: UTF-8, a header row naming the columns")
        parser.add_argument("--seeds", type=int, default=1, help="Each prompt this many times, 1 to 100")
        parser.add_argument("--account", type=name_text,
                            help="The provider account's label (default: the workspace's first of the provider)")
        parser.add_argument("--drop-refused", action="store_true", help="Leave refused rows out; start the others")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                            help="A value every row shares (a row's own cell wins), as the page's form fields")

    def handle(self, *args, user, workspace, model, file, seeds, account, drop_refused, param, **options):
        creator = user_named(user)
        chosen = workspace_for(creator, workspace, Role.MEMBER)
        spec = catalogue.submittable(model)
        if spec is None:
            raise CommandError(f"Unknown model {model!r}. Known: {known_models()}.")
        data = {**form_data(spec, chosen, _account(chosen, spec, account), param, "--param"),
                "seeds": seeds, "drop_refused": drop_refused}
        batch_form = BatchForm(data, {"prompts_file": _read(file)}, spec=spec, workspace=chosen)
        if not batch_form.is_valid():
            raise CommandError(f"Not created. {_problems(batch_form)}")
        try:
            batch = batches.draft_from_form(creator, chosen, batch_form)
        except InputRefused as refusal:
            raise CommandError(f"Not created. {refusal}") from None
        except batches.RowsRefused as refusal:
            listed = "\n".join(entry["reason"] for entry in refusal.refused)
            raise CommandError(f"Not created: {refusal} (fix them, or leave them out with --drop-refused).\n{listed}") \
                from None
        try:
            batches.start(batch, creator)
        except limits.MemberLimitReached as refusal:
            batches.discard(batch)
            raise CommandError(f"Not created. {refusal}") from None
        for entry in batch.dropped_rows:
            self.stderr.write(f"Left out: {entry['reason']}")
        self.stdout.write(str(batch.uuid))


def _account(workspace, spec: catalogue.ModelSpec, label: str | None):
    accounts = workspace.provider_accounts.filter(provider=spec.provider)
    account = accounts.filter(label=label).first() if label else accounts.first()
    if account is None:
        labelled = f" labelled {label!r}" if label else ""
        raise CommandError(f"{workspace.name} has no {Provider(spec.provider).label} account{labelled}.")
    return account


def _read(name: str) -> SimpleUploadedFile:
    """The file as the page would upload it: read no further than the size a batch's file may have, so a huge file
    is refused by that rule instead of filling the memory."""
    path = Path(name)
    try:
        with path.open("rb") as upload:
            content = upload.read(MAX_BATCH_FILE_BYTES + 1)
    except OSError as error:  # missing, a directory, unreadable, or a name too long for the file system
        raise CommandError(f"--file: cannot read {name[:200]}: {error.strerror or error}.") from None
    return SimpleUploadedFile(path.name, content, content_type="text/csv")


def _problems(batch_form: BatchForm) -> str:
    return "; ".join(f"{OPTIONS.get(field, f'--param {field}')}: {' '.join(errors)}"
                     for field, errors in batch_form.errors.items())
