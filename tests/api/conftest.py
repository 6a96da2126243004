"""Calling the API as a script would: a key from netmind_console.api.keys, `Authorization: Bearer`, JSON."""

import json

import pytest
from django.test import Client

from netmind_console.api.keys import create_key
from netmind_console.workspaces.services import personal_workspace

API = "/api/v1"


class ApiClient:
    """A Django test client that sends one API key with every request (and no session cookie)."""

    def __init__(self, raw_key: str | None):
        self.raw_key = raw_key
        self.client = Client()

    def _headers(self, headers):
        auth = {"Authorization": f"Bearer {self.raw_key}"} if self.raw_key else {}
        return {**auth, **(headers or {})}

    def get(self, path, params=None, headers=None):
        return self.client.get(API + path, params or {}, headers=self._headers(headers))

    def post(self, path, body=None, headers=None):
        return self.client.post(API + path, json.dumps(body if body is not None else {}),
                                content_type="application/json", headers=self._headers(headers))

    def post_multipart(self, path, data, headers=None):
        return self.client.post(API + path, data, headers=self._headers(headers))

    def delete(self, path, headers=None):
        return self.client.delete(API + path, headers=self._headers(headers))


def key_for(user, workspace=None, scope="write", name="test key", expires_at=None) -> str:
    """A new key of `user` in `workspace` (their personal one by default); returns the secret."""
    return create_key(user, workspace or personal_workspace(user), name, scope, expires_at)[1]


def api_as(user, workspace=None, scope="write") -> ApiClient:
    return ApiClient(key_for(user, workspace, scope))


@pytest.fixture
def api(owner):
    """Alice's write key in her personal workspace."""
    return api_as(owner)


@pytest.fixture
def read_api(owner):
    return api_as(owner, scope="read")


def problem(response) -> dict:
    """The problem+json body of a refusal (RFC 9457), after checking that it is one."""
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    body = response.json()
    assert body["status"] == response.status_code and body["detail"]
    return body
