import pytest

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.console"]


@pytest.fixture(autouse=True)
def static_files_without_collectstatic(settings):
    """In-process tests render pages without a collectstatic manifest; live servers use the real one."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
