"""Why an archive attempt failed, and whether trying again later may help."""


class ArchiveError(Exception):
    """A download that cannot succeed as it is: retrying would give the same answer."""

    retry = False


class TransientError(ArchiveError):
    """Network trouble, a 5xx or a slow server: worth another attempt later."""

    retry = True


class LinkExpired(ArchiveError):
    """The object store no longer serves the link (403/404/410): it expired before we copied it."""
