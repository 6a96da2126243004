from django.core.management.base import BaseCommand, CommandError

from jobs import history
from netmind_console.clients.errors import ProviderError
from netmind_console.core.commands import name_text, user_named


class Command(BaseCommand):
    help = "Pull a user's existing NetMind generations and Haiper jobs into the console (a second run adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        parser.add_argument("--account", type=name_text, help="The account's label (default: every NetMind account of the user)")

    def handle(self, *args, user, account, **options):
        owner = user_named(user)
        accounts = owner.provider_accounts.filter(provider="netmind")
        if account:
            accounts = accounts.filter(label=account)
        if not accounts:
            raise CommandError(f"{user} has no NetMind account{f' labelled {account!r}' if account else ''}.")
        for each in accounts:
            try:
                count = history.import_history(each)
            except ProviderError as error:
                raise CommandError(f"Import from {each.label} stopped: {error.user_message}") from None
            self.stdout.write(f"{each.label}: imported {count} job{'s' if count != 1 else ''}.")
