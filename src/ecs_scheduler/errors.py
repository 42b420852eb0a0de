"""The root of every user-facing error.

Each layer defines one exception type of its own, derived from :class:`EcsSchedulerError`;
the CLI prints any of them as clear text and exits with its ``exit_code`` (1 unless a subclass
says otherwise), and keeps tracebacks for everything else (under ``--debug``).
"""


class EcsSchedulerError(Exception):
    """An error the user can act on; its message is complete and needs no traceback."""

    exit_code: int = 1
