from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from netmind_console.accounts import services
from netmind_console.workspaces.models import Membership
from netmind_console.workspaces.roles import Role


@receiver(post_save, sender=Membership)
def give_new_workspaces_sandbox_accounts(sender, instance, created, raw=False, **kwargs):
    """In sandbox mode every workspace, personal or a team's, starts with both sandbox accounts, added by its
    first owner: a newcomer or a new team can submit a job in the first minute."""
    if created and not raw and settings.CONSOLE_SANDBOX and instance.role == Role.OWNER:
        services.ensure_sandbox_accounts(instance.workspace, instance.user)
