"""The root of every user-facing error.

Each layer defines one exception type of its own, derived from :class:`EcsSchedulerError`;
the CLI prints any of them as clear text and exits 1, and keeps tracebacks for everything
else (under ``--debug``).
"""


class EcsSchedulerError(Exception):
    """An error the user can act on; its message is complete and needs no traceback."""
