from django.core.management.base import BaseCommand, CommandError

from netmind_console.accounts import services
from netmind_console.accounts.forms import ConcurrencyCapForm, ProviderAccountForm
from netmind_console.accounts.models import Provider
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import add_workspace_option, workspace_for
from netmind_console.workspaces.roles import Role


class Command(BaseCommand):
    help = ("Create or update a provider account of a workspace (the token is stored encrypted, never printed), "
            "or set how many of its jobs may be in flight at once (--cap). The user needs the admin role there.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, type=name_text)
        parser.add_argument("--provider", required=True, choices=Provider.values)
        parser.add_argument("--token", help="Needed to create the account, or to change its token or base URL")
        parser.add_argument("--label", default="Default", type=name_text)
        parser.add_argument("--base-url", default="")
        parser.add_argument("--cap", type=int, metavar="N",
                            help="Jobs of the account in flight at once, 1 to 500; the others wait for a slot")
        add_workspace_option(parser)

    def handle(self, *args, user, provider, token, label, base_url, workspace, cap, **options):
        actor = user_named(user)
        workspace = workspace_for(actor, workspace, Role.ADMIN)
        if token is None and cap is None:
            raise CommandError("Nothing to do: give --token to create or update the account, or --cap N to set "
                               "how many of its jobs may be in flight at once.")
        cap = _checked_cap(cap) if cap is not None else None
        existing = services.accounts_for(workspace, provider).filter(label=label).first()
        if token is None and existing is None:
            raise CommandError(f"{workspace.name} has no {Provider(provider).label} account labelled {label!r}; "
                               "give --token to add it.")
        if token is None and base_url:
            raise CommandError("Not saved. --base-url: give --token too: a token is only sent to a host it was "
                               "entered for.")
        account = existing if token is None else self._save(actor, workspace, provider, label, token, base_url,
                                                             existing)
        if cap is not None:
            changed = services.set_concurrency_cap(account, cap, actor=actor)
            self.stdout.write(f"{account.label} sends at most {cap} job{'s' if cap != 1 else ''} at once"
                              f"{'' if changed else ' (unchanged)'}.")

    def _save(self, actor, workspace, provider, label, token, base_url, existing):
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
        return account


def _checked_cap(cap: int) -> int:
    """--cap as the Settings page's form checks it: the same bounds, the same message."""
    form = ConcurrencyCapForm({"concurrency_cap": cap})
    if not form.is_valid():
        raise CommandError(f"Not saved. --cap: {' '.join(form.errors['concurrency_cap'])}")
    return form.cleaned_data["concurrency_cap"]
