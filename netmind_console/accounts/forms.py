from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from netmind_console.accounts import base_urls
from netmind_console.accounts.models import MAX_CONCURRENCY_CAP, Provider, ProviderAccount
from netmind_console.clients import outside


class FirstAdminForm(UserCreationForm):
    class Meta:
        model = get_user_model()
        fields = ["username", "email"]


class AccountChoiceField(forms.ModelChoiceField):
    """A provider account to pick: each choice says whether it is the default and whether its last test failed
    (the form preselects the default: services.default_account)."""

    def label_from_instance(self, account):
        return account.choice_label


class ProviderAccountForm(forms.Form):
    provider = forms.ChoiceField(choices=Provider.choices)
    label = forms.CharField(max_length=100, initial="Default")
    base_url = forms.URLField(
        label="Base URL", required=False, max_length=300, assume_scheme="https",
        help_text="Leave empty for the provider's default (the sandbox while sandbox mode is on).",
    )
    token = forms.CharField(
        max_length=500, required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted; only its last 4 characters are ever shown.",
    )

    def __init__(self, *args, workspace, account=None, **kwargs):
        self.workspace = workspace
        self.account = account
        super().__init__(*args, **kwargs)
        if account:
            self.fields["provider"].disabled = True
            self.fields["token"].help_text = f"Currently {account.masked_token}. Leave empty to keep it."

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not token and not self.account:
            raise forms.ValidationError("Enter the API token from the provider's dashboard.")
        if token and (len(token) < 6 or any(c.isspace() for c in token)):
            raise forms.ValidationError("That does not look like a token: at least 6 characters, no spaces.")
        return token

    def clean(self):
        cleaned = super().clean()
        provider = self.account.provider if self.account else cleaned.get("provider")
        label = cleaned.get("label")
        clash = ProviderAccount.objects.filter(workspace=self.workspace, provider=provider, label=label)
        if self.account:
            clash = clash.exclude(pk=self.account.pk)
        if label and clash.exists():
            self.add_error("label", "This workspace already has an account with this label for this provider.")
        if provider in Provider.values and "base_url" in cleaned:
            self._check_base_url(provider, cleaned["base_url"])
            self._require_token_for_a_new_base_url(cleaned)
        return cleaned

    def _require_token_for_a_new_base_url(self, cleaned):
        """A stored token is never sent to another host unless the person typed it for that host."""
        from netmind_console.accounts.services import default_base_url

        if not self.account or cleaned.get("token") or "token" not in cleaned or "base_url" not in cleaned:
            return
        new_url = (cleaned["base_url"] or default_base_url(self.account.provider)).rstrip("/")
        if new_url != self.account.base_url.rstrip("/"):
            self.add_error("token", "Enter the token again to use it with a new base URL.")

    def _check_base_url(self, provider, url):
        from netmind_console.accounts.services import default_base_url

        try:
            base_urls.check_base_url(provider, url or default_base_url(provider))
        except outside.RefusedURL as error:
            self.add_error("base_url", f"This base URL is not allowed. {error}")


class ConcurrencyCapForm(forms.Form):
    concurrency_cap = forms.IntegerField(
        label="Jobs in flight at once", min_value=1, max_value=MAX_CONCURRENCY_CAP,
        help_text="The others wait here for a slot, so the provider's rate limits and your budget hold.")

    def __init__(self, *args, account: ProviderAccount | None = None, **kwargs):
        """`account`: the one whose cap the form shows (None: a value to check, for the command)."""
        self.account = account
        if account:
            kwargs.setdefault("initial", {"concurrency_cap": account.concurrency_cap})
            kwargs.setdefault("auto_id", f"cap-{account.uuid}-%s")  # one form per account on the page
        super().__init__(*args, **kwargs)


def _time_zone_choices():
    from zoneinfo import available_timezones

    return [(name, name) for name in sorted(available_timezones())]


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=_time_zone_choices, label="Time zone",
                                  help_text="Used for endpoint schedules, usage per day and dates.")

    class Meta:
        from netmind_console.accounts.models import Preferences

        model = Preferences
        fields = ["time_zone"]


class WebhookForm(forms.ModelForm):
    """The workspace's webhook: where its finished jobs are announced (admins set it)."""

    webhook_url = forms.URLField(label="Webhook URL", max_length=500, required=False, assume_scheme="https",
                                 help_text="Receives a signed JSON POST when a job of this workspace finishes.")

    class Meta:
        from netmind_console.workspaces.models import Workspace

        model = Workspace
        fields = ["webhook_url"]

    def clean_webhook_url(self):
        """The URL is checked again before every delivery (jobs/webhooks.py): DNS answers change."""
        url = self.cleaned_data["webhook_url"]
        if not url:
            return url
        try:
            outside.check_url(url, insecure_hosts=settings.WEBHOOK_ALLOWED_HOSTS, insecure_name="WEBHOOK_ALLOWED_HOSTS")
        except outside.RefusedURL as error:
            if url.lower().startswith("http://"):
                raise forms.ValidationError("Use an https:// URL, so the job details travel encrypted.") from None
            raise forms.ValidationError(f"This webhook URL is not allowed. {error}") from None
        return url
