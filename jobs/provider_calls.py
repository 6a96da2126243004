"""Talking to a job's provider: building its client, and the words a person reads when a call goes wrong."""

import logging
from pathlib import Path

from jobs.models import Job
from jobs.storage import staging_dir
from netmind_console.accounts.crypto import UndecryptableToken
from netmind_console.accounts.services import client_for_account
from netmind_console.clients import errors

log = logging.getLogger(__name__)


class CannotPrepare(Exception):
    """The provider client could not be built; nothing was sent. The message is for a person."""


def client_for(job: Job):
    try:
        return client_for_account(job.account)
    except UndecryptableToken:
        raise CannotPrepare(f"The stored {provider_name(job)} token cannot be decrypted — enter it again in Settings."
                            ) from None
    except Exception as error:
        raise CannotPrepare(unexpected("preparing the request", job, error)) from None


def provider_name(job: Job) -> str:
    return "NetMind" if job.provider == "netmind" else "Apinfer"


def unexpected(doing: str, job: Job, error: Exception) -> str:
    """Log the traceback for whoever fixes it; return the reason the row shows."""
    log.exception("Job %s: unexpected error while %s", job.pk, doing)
    return f"Unexpected error while {doing}: {type(error).__name__}: {error}"[:450]


def words_for(job: Job, error: errors.ProviderError) -> str:
    if isinstance(error, errors.TokenRejected):
        return f"{provider_name(job)} rejected the token — update it in Settings."
    return error.user_message


def incoming_dir() -> Path:
    """Where the client writes results that arrive inline (Apinfer): this host's disk, until lifecycle.py moves
    them into the media storage."""
    path = staging_dir() / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path
