"""Moving the single-user data of before teams into each owner's personal workspace (used by migrations)."""

from django.db.models import OuterRef, Subquery


def make_personal_workspaces(apps, schema_editor):
    """One personal workspace per user, owned by them, carrying the webhook they had set."""
    User = apps.get_model("auth", "User")
    Workspace = apps.get_model("workspaces", "Workspace")
    Membership = apps.get_model("workspaces", "Membership")
    Preferences = apps.get_model("accounts", "Preferences")
    webhooks = {p.user_id: p for p in Preferences.objects.all()}
    taken = set(Workspace.objects.values_list("name", flat=True))
    for user in User.objects.order_by("pk"):
        if Workspace.objects.filter(personal_for=user).exists():
            continue
        name, number = user.username[:70], 1
        while name in taken:
            number += 1
            name = f"{user.username[:70]} ({number})"
        taken.add(name)
        workspace = Workspace(name=name, personal_for=user)
        if user.pk in webhooks:
            workspace.webhook_url = webhooks[user.pk].webhook_url
            workspace.webhook_secret = webhooks[user.pk].webhook_secret
        workspace.save()
        Membership.objects.create(workspace=workspace, user=user, role="owner")


def into_owners_workspaces(app_label: str, *model_names: str):
    """A RunPython function: each row's workspace becomes its owner's personal workspace, in one UPDATE."""

    def fill(apps, schema_editor):
        Workspace = apps.get_model("workspaces", "Workspace")
        personal = Workspace.objects.filter(personal_for=OuterRef("owner_id")).values("pk")[:1]
        for model_name in model_names:
            apps.get_model(app_label, model_name).objects.update(workspace=Subquery(personal))

    return fill
