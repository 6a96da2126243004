import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from netmind_console.accounts import crypto


DEFAULT_CONCURRENCY_CAP = 4
MAX_CONCURRENCY_CAP = 500


class Provider(models.TextChoices):
    NETMIND = "netmind", "NetMind Power"
    APINFER = "apinfer", "Apinfer"


class ProviderAccount(models.Model):
    """A workspace's credentials for one provider. The token is stored only as Fernet ciphertext."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="provider_accounts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="provider_accounts",
                              help_text="Who added it; empty once that user is deleted: the workspace keeps the row")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    label = models.CharField(max_length=100)
    base_url = models.URLField(max_length=300)
    token_ciphertext = models.TextField()
    token_last4 = models.CharField(max_length=4)
    is_sandbox = models.BooleanField(default=False)
    concurrency_cap = models.PositiveSmallIntegerField(
        default=DEFAULT_CONCURRENCY_CAP, validators=[MinValueValidator(1), MaxValueValidator(MAX_CONCURRENCY_CAP)],
        help_text="Jobs of this account in flight at the provider at once; the others wait for a slot")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "label"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "provider", "label"], name="unique_account_label_per_workspace"),
        ]

    def __str__(self):
        return f"{self.get_provider_display()}: {self.label}"

    def __repr__(self):
        return f"<ProviderAccount {self.uuid} {self.provider} {self.label!r} token=…{self.token_last4}>"

    def set_token(self, token: str):
        self.token_ciphertext = crypto.encrypt(token)
        self.token_last4 = token[-4:]

    def reveal_token(self) -> str:
        """Only for building a client at call time; never store, log or render the result."""
        return crypto.decrypt(self.token_ciphertext)

    @property
    def masked_token(self):
        return f"••••{self.token_last4}"


class Preferences(models.Model):
    """Per-user choices: the time zone dates are shown in. (The webhook belongs to the workspace.)"""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self):
        return f"Preferences of {self.user}"


def preferences_for(user) -> Preferences:
    prefs, _ = Preferences.objects.get_or_create(user=user)
    return prefs
