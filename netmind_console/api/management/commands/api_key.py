"""`manage.py api_key create|list|revoke`: the settings page's keys for scripts and operators.

`create` prints the key alone, so `KEY=$(manage.py api_key create …)` works; nothing else ever prints it."""

from django.core.management.base import BaseCommand, CommandError

from netmind_console.api import keys
from netmind_console.api.forms import ApiKeyForm
from netmind_console.api.models import ApiKey, Scope
from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces.commands import workspace_for
from netmind_console.workspaces.roles import Role
from netmind_console.workspaces.services import WorkspaceRuleBroken, workspace_named


class Command(BaseCommand):
    help = "Create, list and revoke API keys (Settings → API keys)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True, metavar="{create,list,revoke}")
        create = commands.add_parser("create", help="A new key of USER in a workspace; prints the key alone")
        create.add_argument("--user", required=True, type=name_text)
        create.add_argument("--workspace", metavar="NAME", type=name_text,
                            help="The workspace the key acts in (default: the user's personal one)")
        create.add_argument("--scope", required=True, choices=Scope.values)
        create.add_argument("--name", required=True, type=name_text)
        create.add_argument("--expires", metavar="YYYY-MM-DD", type=name_text, help="The day the key stops working")
        listing = commands.add_parser("list", help="Keys by prefix, never their secret")
        listing.add_argument("--user", type=name_text)
        listing.add_argument("--workspace", metavar="NAME", type=name_text)
        revoke = commands.add_parser("revoke", help="Revoke the key with this prefix (as `list` shows it)")
        revoke.add_argument("prefix", type=name_text)

    def handle(self, *args, command, **options):
        {"create": self.create, "list": self.list_keys, "revoke": self.revoke}[command](**options)

    def create(self, *, user, workspace, scope, name, expires, **options):
        owner = _option("--user", user_named, user)
        shown = _option("--workspace", workspace_for, owner, workspace, Role.VIEWER)
        form = ApiKeyForm({"name": name, "workspace": shown.uuid, "scope": scope, "expires": expires or ""},
                          user=owner)
        if not form.is_valid():
            field, messages = next(iter(form.errors.items()))
            raise CommandError(f"--{field}: {' '.join(messages)}")
        key, secret = keys.create_key(owner, shown, form.cleaned_data["name"], scope, form.expires_at())
        self.stdout.write(secret)

    def list_keys(self, *, user, workspace, **options):
        found = ApiKey.objects.select_related("user", "workspace").order_by("created_at", "id")
        if user:
            found = found.filter(user=_option("--user", user_named, user))
        if workspace:
            found = found.filter(workspace=_option("--workspace", workspace_named, workspace))
        for key in found:
            last_use = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
            self.stdout.write(f"{keys.KEY_START}{key.prefix}\t{key.name}\t{key.user.get_username()}\t"
                              f"{key.workspace.name}\t{key.scope}\t{key.status}\t{last_use}")

    def revoke(self, *, prefix, **options):
        key = ApiKey.objects.select_related("workspace").filter(prefix=_bare_prefix(prefix)).first()
        if key is None:
            raise CommandError(f"No API key with the prefix {prefix[:40]!r} (see `api_key list`).")
        # The operator at the server acts, not the key's owner: the audit row names the system.
        if keys.revoke_key(key, None):
            self.stdout.write(f"Revoked {keys.KEY_START}{key.prefix} ({key.name}).")
        else:
            self.stdout.write(f"{keys.KEY_START}{key.prefix} ({key.name}) was revoked already.")


def _option(option: str, find, *args):
    """`find(*args)`, its refusal reworded to name the option that was wrong."""
    try:
        return find(*args)
    except (CommandError, WorkspaceRuleBroken) as error:
        raise CommandError(f"{option}: {error}") from None


def _bare_prefix(text: str) -> str:
    """`nmc_ab12cd34`, `nmc_ab12cd34_…` or `ab12cd34`: the stored prefix (hex, so it holds no underscore)."""
    text = text.removeprefix(keys.KEY_START)
    return text.split("_", 1)[0]
