import uuid

from django.conf import settings
from django.db import models

from netmind_console.accounts import crypto


class Provider(models.TextChoices):
    NETMIND = "netmind", "NetMind Power"
    APINFER = "apinfer", "Apinfer"


class ProviderAccount(models.Model):
    """One user's credentials for one provider. The token is stored only as Fernet ciphertext."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_accounts")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    label = models.CharField(max_length=100)
    base_url = models.URLField(max_length=300)
    token_ciphertext = models.TextField()
    token_last4 = models.CharField(max_length=4)
    is_sandbox = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "label"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "provider", "label"], name="unique_account_label_per_provider"),
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


def _new_webhook_secret():
    import secrets

    return secrets.token_urlsafe(32)


class Preferences(models.Model):
    """Per-user choices: the time zone schedules and dates use, and where finished jobs are announced."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    time_zone = models.CharField(max_length=64, default="UTC")
    webhook_url = models.URLField(max_length=500, blank=True,
                                  help_text="Receives a signed JSON POST when one of your jobs finishes.")
    webhook_secret = models.CharField(max_length=64, default=_new_webhook_secret,
                                      help_text="Signs each webhook body (HMAC-SHA256, header X-Console-Signature).")

    def __str__(self):
        return f"Preferences of {self.user}"


def preferences_for(user) -> Preferences:
    prefs, _ = Preferences.objects.get_or_create(user=user)
    return prefs
