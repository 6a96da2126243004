"""First run, login, start-up checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from netmind_console.accounts import middleware

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def forget_that_users_exist(monkeypatch):
    monkeypatch.setattr(middleware, "_users_exist", False)


@pytest.mark.django_db
def test_with_no_user_every_page_leads_to_first_run(client):
    for url in ["/", "/jobs/", "/settings/", "/login/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/setup/"


@pytest.mark.django_db
def test_first_run_creates_the_admin_and_lands_on_the_dashboard(client):
    response = client.post("/setup/", {"username": "admin", "email": "a@example.com",
                                       "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
                           follow=True)
    user = get_user_model().objects.get()
    assert user.is_superuser and user.is_staff
    assert "Dashboard" in response.content.decode() and "Welcome, admin" in response.content.decode()


@pytest.mark.django_db
def test_first_run_is_closed_once_a_user_exists(client, django_user_model):
    django_user_model.objects.create_user("someone", password="pw-123456789")
    assert client.get("/setup/")["Location"] == "/"
    client.post("/setup/", {"username": "intruder", "password1": "a-long-passphrase-9",
                            "password2": "a-long-passphrase-9"})
    assert not django_user_model.objects.filter(username="intruder").exists()


@pytest.mark.django_db
def test_a_weak_first_password_is_refused_with_a_reason(client):
    response = client.post("/setup/", {"username": "admin", "password1": "123", "password2": "123"})
    assert "This password is too short" in response.content.decode()
    assert not get_user_model().objects.exists()


def run_manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSOLE_", "DATABASE_URL", "REDIS_URL"))}
    env.update(CONSOLE_IGNORE_DOTENV="1", DJANGO_SECRET_KEY="k" * 60,
               CONSOLE_ENCRYPTION_KEY=os.environ["CONSOLE_ENCRYPTION_KEY"])
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    for name, value in env_overrides.items():
        if value is None:
            env.pop(name, None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("name, value, words", [
    ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be true or false"),
    ("CONSOLE_ENCRYPTION_KEY", None, "CONSOLE_ENCRYPTION_KEY is required"),
    ("CONSOLE_ENCRYPTION_KEY", "not-a-key", "CONSOLE_ENCRYPTION_KEY holds a value that is not a Fernet key"),
    ("DJANGO_SECRET_KEY", None, "DJANGO_SECRET_KEY is required"),
    ("NETMIND_API_BASE", "api.netmind.ai", "NETMIND_API_BASE must be an http(s) URL"),
    ("CONSOLE_WORKERS", "two", "CONSOLE_WORKERS must be a whole number"),
])
def test_a_bad_environment_value_stops_start_up_naming_the_variable(name, value, words):
    result = run_manage("check", **{name: value})
    assert result.returncode != 0
    assert words in result.stderr


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_HTTPS="true",
                        DJANGO_ALLOWED_HOSTS="console.example.com", DJANGO_DEBUG="false",
                        DJANGO_SECRET_KEY="x9!" + "Vq3Lm8Zt2Rw6Yp1Ks5Hd7Gf4Jb0Nc" * 2)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_reports_each_part_in_json(client, settings, sandbox):
    settings.SANDBOX_URL, settings.CONSOLE_HEALTH_TOKEN = sandbox.url, "health-token-for-tests"
    body = client.get("/healthz", HTTP_AUTHORIZATION="Bearer health-token-for-tests").json()
    assert body["database"] is True and body["broker"] is True and body["sandbox"] is True
    assert body["worker"] is False and body["ok"] is False  # no worker has beaten in a test database
