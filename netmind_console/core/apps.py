from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "netmind_console.core"
    label = "core"

    def ready(self):
        from django_q.signals import post_spawn

        from netmind_console.core import media_markers, schedules, services

        schedules.connect()
        media_markers.connect()
        post_spawn.connect(services.on_worker_start, dispatch_uid="netmind_console.on_worker_start")
