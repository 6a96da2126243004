from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "netmind_console.core"
    label = "core"

    def ready(self):
        from netmind_console.core import media_markers, schedules

        schedules.connect()
        media_markers.connect()
