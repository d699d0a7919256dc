"""Errors the CLI turns into one line on stderr and an exit code."""


class PlaygroundError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1


class UsageError(PlaygroundError):
    """Bad usage or input: unknown option value, missing file, bad config. Exit 2."""

    exit_code = 2


class ModelNotFoundError(UsageError):
    """No weights could be found for the requested model."""


class BackendUnavailableError(UsageError):
    """The backend cannot be used here (package missing, server unreachable)."""


class ModelError(PlaygroundError):
    """The backend failed while generating (server died mid-run, engine crash)."""


class BackendLostError(ModelError):
    """Every server of the backend stopped answering mid-run: the run stops where it is (what is
    stored stays; `--resume` continues once a server answers)."""
