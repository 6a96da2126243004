from django.core.management.base import BaseCommand, CommandError

from netmind_console.accounts import services
from netmind_console.accounts.forms import ProviderAccountForm
from netmind_console.accounts.models import Provider
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role


class Command(BaseCommand):
    help = ("Create or update a provider account of a workspace (the token is stored encrypted, never printed). "
            "The user needs the admin role there.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        parser.add_argument("--provider", required=True, choices=Provider.values)
        parser.add_argument("--token", required=True)
        parser.add_argument("--label", default="Default", type=name_text)
        parser.add_argument("--base-url", default="")
        add_workspace_option(parser)

    def handle(self, *args, user, provider, token, label, base_url, workspace, **options):
        actor = user_named(user)
        workspace = workspace_for(actor, workspace, Role.ADMIN)
        existing = services.accounts_for(workspace, provider).filter(label=label).first()
        # The Settings page's form, so a script cannot save what the page would refuse (e.g. a 300-character label).
        form = ProviderAccountForm({"provider": provider, "label": label, "base_url": base_url, "token": token},
                                   initial={"provider": provider}, workspace=workspace, account=existing)
        if not form.is_valid():
            problems = "; ".join(f"--{name.replace('_', '-')}: {' '.join(errors)}" for name, errors in form.errors.items())
            raise CommandError(f"Not saved. {problems}")
        try:
            account = services.save_account(actor, provider, label, token, form.cleaned_data["base_url"], existing,
                                            workspace=workspace)
        except services.BaseUrlRefused as error:
            raise CommandError(f"Not saved. --base-url: {error}") from None
        verb = "Updated" if existing else "Created"
        self.stdout.write(f"{verb} {account.get_provider_display()} account {label!r} in {workspace.name} "
                          f"(token {account.masked_token}).")

