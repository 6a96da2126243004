"""The API key form, for the settings page and the `api_key` command alike (one set of rules for both)."""

import datetime

from django import forms
from django.utils import timezone

from netmind_console.api.models import ApiKey, Scope
from netmind_console.workspaces.models import Workspace

NAME_MAX = ApiKey._meta.get_field("name").max_length


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, help_text="What the key is for, e.g. “CI renders”.")
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none(), to_field_name="uuid", empty_label=None,
                                       help_text="The key acts in this workspace only, with your role there.")
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.READ, widget=forms.RadioSelect,
                              help_text="A key never does more than your role allows: a viewer's read and write "
                                        "key is still refused every change.")
    expires = forms.DateField(label="Expires on", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              help_text="Optional. The key stops working at 00:00 that day, in your time zone (Settings).")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's own workspaces are choices: a forged uuid of another one is "not a valid choice".
        self.fields["workspace"].queryset = Workspace.objects.filter(memberships__user=user).order_by("name")

    def clean_expires(self):
        day = self.cleaned_data["expires"]
        if day and day <= timezone.localdate():
            raise forms.ValidationError("Choose a day after today: a key expiring then would not work at all.")
        return day

    def expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data["expires"]
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) if day else None
