from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from netmind_console.workspaces import services


@receiver(post_save, sender=get_user_model())
def give_new_users_a_personal_workspace(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.personal_workspace(instance)
