"""With REDIS_URL set (the second run of `make test`), the cache and django-q2's queue live in Redis,
and sessions still work beside them."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django_q.brokers import get_broker

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the embedded configuration: REDIS_URL is not set")


def test_the_cache_is_redis_and_keeps_what_it_is_given():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache.set("scaleout-probe", {"n": 1}, 30)
    assert cache.get("scaleout-probe") == {"n": 1}


def test_the_task_queue_is_redis_and_answers():
    broker = get_broker()
    assert type(broker).__name__ == "Redis"
    assert broker.ping()


@pytest.mark.django_db
def test_a_signed_in_session_survives_between_requests(client, django_user_model):
    django_user_model.objects.create_user("alice", password="pw-alice-123")
    assert client.post("/login/", {"username": "alice", "password": "pw-alice-123"}).status_code == 302
    assert client.get("/jobs/").status_code == 200
