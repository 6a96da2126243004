from django.core.management.base import BaseCommand, CommandError

from jobs import history
from netmind_console.accounts.models import Provider
from netmind_console.clients.errors import ProviderError
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role


class Command(BaseCommand):
    help = ("Pull the existing NetMind generations and Haiper jobs of a workspace's accounts into the console, as "
            "imported by the user (a second run adds nothing).")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        add_workspace_option(parser)
        parser.add_argument("--account", type=name_text,
                            help="The account's label (default: every NetMind account of the workspace)")

    def handle(self, *args, user, workspace, account, **options):
        importer = user_named(user)
        chosen = workspace_for(importer, workspace, Role.MEMBER)
        accounts = chosen.provider_accounts.filter(provider=Provider.NETMIND)
        if account:
            accounts = accounts.filter(label=account)
        if not accounts:
            raise CommandError(f"{chosen.name} has no NetMind account{f' labelled {account!r}' if account else ''}.")
        for each in accounts:
            try:
                count = history.import_history(each, importer)
            except ProviderError as error:
                raise CommandError(f"Import from {each.label} stopped: {error.user_message}") from None
            self.stdout.write(f"{each.label}: imported {count} job{'s' if count != 1 else ''}.")
