"""Provider tokens at rest: MultiFernet over CONSOLE_ENCRYPTION_KEY (the first key encrypts, all decrypt)."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from netmind_console.clients.errors import ProviderError


class UndecryptableToken(ProviderError, ValueError):
    """No key of CONSOLE_ENCRYPTION_KEY opens the stored token: a person must enter it again.

    A ProviderError too, so every page that words provider failures (test connection, endpoints) words
    this one instead of answering 500.
    """

    default_user_message = "The stored token cannot be decrypted — enter it again in Settings."


@cache
def _fernet():
    return MultiFernet([Fernet(key) for key in settings.CONSOLE_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise UndecryptableToken(
            "A stored provider token cannot be decrypted: CONSOLE_ENCRYPTION_KEY no longer holds the key it was "
            "encrypted with. Add the old key back after the new one, or enter the token again."
        ) from None


def rotate(ciphertext: str) -> str:
    """Re-encrypt with the first (newest) key, so an old key can later be retired."""
    return _fernet().rotate(ciphertext.encode()).decode()


def reset_cache():
    _fernet.cache_clear()
