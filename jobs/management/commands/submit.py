from django.core.management.base import BaseCommand, CommandError

from jobs import catalogue, limits, submission
from jobs.forms import JobForm
from jobs.management.form_values import form_data, image_input_name, input_files, known_models, refusal
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
        parser.add_argument("--prompt", help="Required by a model that takes a prompt; refused by one that does not")
        parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
        parser.add_argument("--input", action="append", default=[], metavar="NAME=PATH",
                            help="A file input of the model (its parameter's name), uploaded with the job")
        parser.add_argument("--config", help="JSON config for the custom model")
        parser.add_argument("--image", help="Shorthand for --input NAME=PATH of the model's one image input "
                                            "(the first frame of image-to-video models)")

    def handle(self, *args, **options):
        user = user_named(options["user"])
        workspace = workspace_for(user, options["workspace"], Role.MEMBER)
        spec = catalogue.submittable(options["model"])
        if spec is None:
            raise CommandError(f"Unknown model {options['model']!r}. Known: {known_models()}.")
        form = JobForm(self._data(workspace, spec, options), self._files(spec, options), spec=spec,
                       workspace=workspace)
        if not form.is_valid():
            raise CommandError(f"Not submitted. {refusal(form)}")
        try:
            job = submission.create_job(user, workspace, spec, form.cleaned_data)
        except limits.MemberLimitReached as refusal_of_limit:
            raise CommandError(f"Not submitted. {refusal_of_limit}") from None
        self.stdout.write(str(job.uuid))

    def _data(self, workspace, spec, options):
        account = workspace.provider_accounts.filter(provider=spec.provider).first()
        data = form_data(spec, workspace, account, options["set"], "--set")
        if spec.has_prompt:
            data["prompt"] = options["prompt"] or ""
        elif options["prompt"]:
            raise CommandError(f"--prompt: {spec.label} takes no prompt; leave it out.")
        if options["config"]:
            data["config_json"] = options["config"]
        return data

    def _files(self, spec, options):
        inputs = list(options["input"])
        if options["image"]:
            name = image_input_name(spec)
            if name is None:
                raise CommandError(f"--image: {spec.label} takes no image; see its inputs with --input.")
            inputs.append(f"{name}={options['image']}")
        return input_files(spec, inputs, "--input" if not options["image"] else "--image/--input")
