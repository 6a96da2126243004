from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "netmind_console.workspaces"
    label = "workspaces"

    def ready(self):
        from netmind_console.workspaces import signals  # noqa: F401
