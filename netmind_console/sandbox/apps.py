from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "netmind_console.sandbox"
    label = "sandbox"
    verbose_name = "Provider sandbox (emulator; keeps its own state outside the console's tables)"
