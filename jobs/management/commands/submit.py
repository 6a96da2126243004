from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from jobs import catalogue, limits, submission
from jobs.forms import JobForm
from jobs.management.form_values import form_data
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role


class Command(BaseCommand):
    help = ("Submit a job as a user in a workspace and print its UUID. Values go through the same form as the web "
            "page, and the same member limits.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        add_workspace_option(parser)
        parser.add_argument("--model", required=True, help="A catalogue key, or 'custom' with --set model_id=...")
        parser.add_argument("--prompt", required=True)
        parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
        parser.add_argument("--config", help="JSON config for the custom model")
        parser.add_argument("--image", help="First frame for image-to-video models")

    def handle(self, *args, **options):
        user = user_named(options["user"])
        workspace = workspace_for(user, options["workspace"], Role.MEMBER)
        spec = catalogue.get(options["model"])
        if spec is None:
            raise CommandError(f"Unknown model {options['model']!r}. Known: {', '.join([*catalogue.MODELS, 'custom'])}.")
        form = JobForm(self._data(workspace, spec, options), self._files(options), spec=spec, workspace=workspace)
        if not form.is_valid():
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            raise CommandError(f"Not submitted. {problems}")
        try:
            job = submission.create_job(user, workspace, spec, form.cleaned_data)
        except limits.MemberLimitReached as refusal:
            raise CommandError(f"Not submitted. {refusal}") from None
        self.stdout.write(str(job.uuid))

    def _data(self, workspace, spec, options):
        account = workspace.provider_accounts.filter(provider=spec.provider).first()
        data = {**form_data(spec, workspace, account, options["set"], "--set"), "prompt": options["prompt"]}
        if options["config"]:
            data["config_json"] = options["config"]
        return data

    def _files(self, options):
        if not options["image"]:
            return {}
        path = Path(options["image"])
        try:
            content = path.read_bytes()
        except OSError as error:  # missing, a directory, unreadable, or a name too long for the file system
            raise CommandError(f"--image: cannot read {str(path)[:200]}: {error.strerror or error}.") from None
        return {"image": SimpleUploadedFile(path.name, content)}
