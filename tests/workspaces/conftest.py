"""A team workspace, "Studio", owned by alice (`owner`), and her client working in it.

The pages under test call no provider, so the users stand on a console without the sandbox."""

import pytest

from netmind_console.workspaces import services
from tests.fixtures.teams import client_in


@pytest.fixture
def console_setup(db, settings):
    settings.CONSOLE_SANDBOX = False


@pytest.fixture
def studio(owner):
    return services.create_workspace("Studio", owner)



@pytest.fixture
def person(django_user_model):
    """A third person, besides alice and bob."""
    return django_user_model.objects.create_user("carol")


@pytest.fixture
def studio_client(studio, owner):
    """Alice's client, working in Studio, which she owns."""
    return client_in(studio, owner)
