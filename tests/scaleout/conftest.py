import pytest

from tests.fixtures.scaled import scaled_services_reachable


@pytest.fixture
def scaled_services():
    """Live scaled-out runs need the local PostgreSQL and Redis servers."""
    if not scaled_services_reachable():
        pytest.skip("PostgreSQL or Redis not reachable at 127.0.0.1")
