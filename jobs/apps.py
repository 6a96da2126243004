from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self):
        from jobs import poll, selectors
        from netmind_console.core import registry

        registry.register_schedule("sweep active jobs", "jobs.tasks.sweep_active_jobs", 1)
        registry.register_schedule("reconcile outstanding work", "jobs.tasks.reconcile_outstanding", 2)
        registry.register_page_context("dashboard", selectors.dashboard_panel)
        registry.register_page_context("dashboard-version", poll.dashboard_version)
        registry.register_page_context("settings", selectors.settings_panel)
        registry.register_page_context("members", selectors.members_panel)
