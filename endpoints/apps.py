from django.apps import AppConfig


class EndpointsConfig(AppConfig):
    name = "endpoints"

    def ready(self):
        from netmind_console.core import registry

        registry.register_schedule("sweep endpoints", "endpoints.tasks.sweep_endpoints", 1)
