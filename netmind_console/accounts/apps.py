from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "netmind_console.accounts"
    label = "accounts"

    def ready(self):
        from netmind_console.accounts import signals  # noqa: F401
