"""`manage.py workspace create|add-member|list`: the same services as the pages, for scripts and operators."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from netmind_console.core.commands import name_text, user_named
from netmind_console.workspaces import services
from netmind_console.workspaces.forms import NAME_MAX
from netmind_console.workspaces.models import Membership
from netmind_console.workspaces.roles import Role


class Command(BaseCommand):
    help = "Create workspaces, add members, list a user's workspaces."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True, metavar="{create,add-member,list}")
        create = commands.add_parser("create", help="A new workspace with USER as its owner")
        create.add_argument("--name", required=True, type=name_text)
        create.add_argument("--owner", required=True, type=name_text)
        add = commands.add_parser("add-member", help="Add USER to a workspace with a role")
        add.add_argument("--workspace", required=True, type=name_text)
        add.add_argument("--user", required=True, type=name_text)
        add.add_argument("--role", required=True, choices=Role.values)
        listing = commands.add_parser("list", help="The workspaces USER belongs to, with their role")
        listing.add_argument("--user", required=True, type=name_text)

    def handle(self, *args, command, **options):
        handler = {"create": self.create, "add-member": self.add_member, "list": self.list_workspaces}[command]
        try:
            handler(**options)
        except services.WorkspaceRuleBroken as error:
            raise CommandError(str(error)) from None

    def create(self, *, name, owner, **options):
        if len(name.strip()) > NAME_MAX:
            raise CommandError(f"--name: at most {NAME_MAX} characters.")
        workspace = services.create_workspace(name, user_named(owner))
        self.stdout.write(f"Created {workspace.name}, owned by {owner}.")

    def add_member(self, *, workspace, user, role, **options):
        found = services.workspace_named(workspace)
        services.add_member(found, user_named(user), role)
        self.stdout.write(f"Added {user} to {found.name} as {role}.")

    def list_workspaces(self, *, user, **options):
        memberships = (Membership.objects.filter(user=user_named(user)).select_related("workspace")
                       .annotate(members=Count("workspace__memberships")).order_by("workspace__name"))
        for membership in memberships:
            count = membership.members
            self.stdout.write(f"{membership.workspace.name}\t{membership.role}\t{count} member{'s' if count != 1 else ''}")
