"""Errors a user can act on. Their message is the one line the CLI prints."""


class TrialscreenError(Exception):
    """Bad input or state the user can fix; the message says how."""


class UnknownTrialError(TrialscreenError):
    """A trial reference that is not in the index."""


class StoreUnavailableError(TrialscreenError):
    """The Chroma store (embedded or server) cannot be reached or opened."""


class StorageError(TrialscreenError):
    """The data directory cannot be created or written (read-only, full, not a directory)."""


class IndexBusyError(TrialscreenError):
    """Another `trialscreen index` run holds the data directory's writer lock."""
