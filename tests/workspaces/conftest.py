"""Alice's client working in her team "Studio" (tests/fixtures/teams.py), and a third person.

The pages under test call no provider, so the users stand on a console without the sandbox."""

import pytest

from tests.fixtures.teams import client_in


@pytest.fixture
def console_setup(db, settings):
    settings.CONSOLE_SANDBOX = False


@pytest.fixture
def person(django_user_model):
    """A third person, besides alice and bob."""
    return django_user_model.objects.create_user("carol")


@pytest.fixture
def studio_client(studio, owner):
    """Alice's client, working in Studio, which she owns."""
    return client_in(studio, owner)
