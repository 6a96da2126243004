"""Tokens at rest: rotation keeps every row readable, and the console refuses to start without a key."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from netmind_console.accounts import crypto
from netmind_console.accounts.models import ProviderAccount
from netmind_console.accounts.services import save_account
from tests.fixtures.sandbox import ROOT

pytestmark = pytest.mark.django_db

TOKEN = "tok-rotation-3f9a2c"


@pytest.fixture
def keys(settings):
    """Switch CONSOLE_ENCRYPTION_KEYS for the test; the cached MultiFernet follows."""
    def use(*new_keys):
        settings.CONSOLE_ENCRYPTION_KEYS = list(new_keys)
        crypto.reset_cache()
    yield use
    crypto.reset_cache()


def test_after_rotation_old_rows_stay_readable_and_rotate_keys_moves_them_to_the_new_key(
        django_user_model, keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    account = save_account(django_user_model.objects.create_user("alice"), "netmind", "Main", TOKEN,
                           "https://api.netmind.ai")

    keys(new, old)  # the new key first: it encrypts, both decrypt
    assert ProviderAccount.objects.get(pk=account.pk).reveal_token() == TOKEN
    call_command("rotate_keys")

    keys(new)  # the old key retired
    assert ProviderAccount.objects.get(pk=account.pk).reveal_token() == TOKEN


def test_without_an_encryption_key_the_console_does_not_start():
    env = {name: value for name, value in os.environ.items() if name != "CONSOLE_ENCRYPTION_KEY"}
    env["CONSOLE_IGNORE_DOTENV"] = "1"
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "CONSOLE_ENCRYPTION_KEY is required" in done.stderr
