from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from netmind_console.accounts import crypto
from netmind_console.accounts.models import ProviderAccount


class Command(BaseCommand):
    help = ("Re-encrypt every stored provider token with the first key of CONSOLE_ENCRYPTION_KEY. "
            "Rotation: put the new key first (keep the old one after it), run this, then drop the old key.")

    def handle(self, *args, **options):
        with transaction.atomic():  # all rows or none: a half-rotated table would still need the old key
            accounts = list(ProviderAccount.objects.select_for_update().only("pk", "token_ciphertext"))
            for account in accounts:
                account.token_ciphertext = _rotated(account)
            ProviderAccount.objects.bulk_update(accounts, ["token_ciphertext"], batch_size=500)
        self.stdout.write(f"Re-encrypted {len(accounts)} token{'s' if len(accounts) != 1 else ''} with the first key.")


def _rotated(account) -> str:
    try:
        return crypto.rotate(account.token_ciphertext)
    except InvalidToken:  # raised inside the transaction: no row is rotated
        raise CommandError(
            f"The stored token of “{account}” cannot be decrypted with any key of CONSOLE_ENCRYPTION_KEY. Add its "
            "old key back after the new one, or enter that token again in Settings; nothing was re-encrypted.") from None
