from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "netmind_console.accounts"
    label = "accounts"

    def ready(self):
        from netmind_console.accounts import signals  # noqa: F401
        from netmind_console.accounts.views import webhook_context
        from netmind_console.core import registry

        # The webhook form lives here (it checks URLs with the clients' rules), the page in workspaces.
        registry.register_page_context("workspace_settings", webhook_context)
