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
    is_default = models.BooleanField(
        default=False, help_text="The account every form of the workspace preselects for this provider: the first "
                                 "one added, until an admin makes another the default")
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True, help_text="Empty: not tested since the token was set")
    last_test_problem = models.CharField(max_length=100, blank=True,
                                         help_text="Why the last test failed, in a few words (for choice labels)")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "label"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "provider", "label"], name="unique_account_label_per_workspace"),
            models.UniqueConstraint(fields=["workspace", "provider"], condition=models.Q(is_default=True),
                                    name="one_default_account_per_provider"),
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

    @property
    def last_test_failed(self) -> bool:
        return self.last_test_ok is False

    @property
    def choice_label(self) -> str:
        """How the account reads wherever it can be picked: which one is the default, which one failed its test."""
        label = f"{self.label} (default)" if self.is_default else self.label
        return f"{label} — last test failed: {self.last_test_problem}" if self.last_test_failed else label


class Preferences(models.Model):
    """Per-user choices: the time zone dates are shown in. (The webhook belongs to the workspace.)"""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self):
        return f"Preferences of {self.user}"


def preferences_for(user) -> Preferences:
    prefs, _ = Preferences.objects.get_or_create(user=user)
    return prefs
