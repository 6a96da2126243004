from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from netmind_console.accounts import services


@receiver(post_save, sender=get_user_model())
def give_new_users_sandbox_accounts(sender, instance, created, **kwargs):
    if created and settings.CONSOLE_SANDBOX:
        services.ensure_sandbox_accounts(instance)
