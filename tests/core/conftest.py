import pytest

from netmind_console.core import media_markers


@pytest.fixture
def fresh_marker_process(monkeypatch):
    """This test process as a process that has not marked yet and has found no worker's marker yet."""
    monkeypatch.setattr(media_markers._ThisWorker, "name", "")
    monkeypatch.setattr(media_markers._ThisWorker, "nonce", "")
    monkeypatch.setattr(media_markers._ThisWorker, "marked_at", 0.0)
    media_markers._found_at.clear()
    yield
    media_markers._found_at.clear()
