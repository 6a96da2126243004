"""The workspace pages' forms. Choices come from Python (roles, expiry), so a forged value is refused by the form."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from netmind_console.workspaces.invitations import MAX_DAYS
from netmind_console.workspaces.models import Workspace
from netmind_console.workspaces.roles import Role, at_least

NAME_MAX = Workspace._meta.get_field("name").max_length


class WorkspaceNameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name")


class DeleteWorkspaceForm(forms.Form):
    """Typing the name is the confirmation: deleting removes every job, output and account of the workspace."""

    name = forms.CharField(max_length=NAME_MAX, label="Type the workspace's name to confirm")

    def __init__(self, *args, workspace, **kwargs):
        self.workspace = workspace
        super().__init__(*args, **kwargs)

    def clean_name(self):
        if self.cleaned_data["name"] != self.workspace.name:
            raise forms.ValidationError(f"Type “{self.workspace.name}” exactly to delete it.")
        return self.cleaned_data["name"]


def roles_up_to(role: str) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Role.choices if at_least(role, value)]


class InvitationForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    days = forms.IntegerField(label="Expires after (days)", min_value=1, max_value=MAX_DAYS, initial=MAX_DAYS)
    email = forms.EmailField(required=False, help_text="Optional. The link is mailed too when the console can send mail.")

    def __init__(self, *args, inviter_role, **kwargs):
        super().__init__(*args, **kwargs)
        # Only an owner may invite an owner: an admin's choices stop at admin.
        self.fields["role"].choices = roles_up_to(inviter_role)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class LimitsForm(forms.Form):
    jobs = forms.IntegerField(label="Jobs per month", required=False, min_value=0, max_value=1_000_000,
                              help_text="Empty: no limit.")
    credits = forms.DecimalField(label="Apinfer credits per month", required=False, min_value=0,
                                 max_digits=12, decimal_places=2, help_text="Empty: no limit.")


class SignUpForm(UserCreationForm):
    """A new person joining through an invite link: a username and the password twice (Django's validators
    check it, as UserCreationForm does)."""

    class Meta:
        model = get_user_model()
        fields = ["username"]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=40)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned
