from datetime import timedelta

from django.utils import timezone

from netmind_console.api.keys import hash_key, revoke_key
from netmind_console.api.models import ApiKey
from netmind_console.workspaces.services import remove_member

from .conftest import ApiClient, api_as, key_for, problem


def test_a_key_is_stored_only_as_a_hash_with_a_visible_prefix(owner):
    raw = key_for(owner)
    key = ApiKey.objects.get()
    assert raw.startswith(f"nmc_{key.prefix}_") and len(raw) > 40
    assert key.secret_hash == hash_key(raw) and raw not in str(ApiKey.objects.values().get())


def test_a_request_without_a_key_is_told_how_to_send_one(owner):
    response = ApiClient(None).get("/usage")
    assert response.status_code == 401 and "Bearer" in problem(response)["detail"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_revoked_or_expired_key_gets_401_and_never_its_own_secret_back(owner, caplog):
    raw = key_for(owner)
    revoke_key(ApiKey.objects.get(), owner)
    expired = key_for(owner, expires_at=timezone.now() - timedelta(seconds=1))
    for secret, reason in [("nmc_0000_nope", "not valid"), (raw, "revoked"), (expired, "expired")]:
        response = ApiClient(secret).get("/usage")
        assert response.status_code == 401 and reason in problem(response)["detail"]
        assert secret not in response.content.decode()
    assert caplog.records and not any(secret in caplog.text for secret in (raw, expired))  # logged, without keys


def test_a_removed_members_key_stops_working(owner, other, studio):
    from tests.fixtures.teams import join

    membership = join(studio, other, "member")
    bobs = api_as(other, studio)
    assert bobs.get("/usage").status_code == 200
    remove_member(membership, actor=owner)
    response = bobs.get("/usage")
    assert response.status_code == 401 and "no longer a member" in problem(response)["detail"]


def test_the_rate_limit_answers_429_with_retry_after(owner, settings):
    settings.API_RATE_LIMIT = 2
    api = api_as(owner)
    assert [api.get("/usage").status_code for _ in range(2)] == [200, 200]
    refused = api.get("/usage")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 61
    assert "2 requests every 60 seconds" in problem(refused)["detail"]
