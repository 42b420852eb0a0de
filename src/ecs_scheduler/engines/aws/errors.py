"""The AWS engine's exception types: one base, and the ways a command can end before AWS answers."""

from ecs_scheduler.errors import EcsSchedulerError


class AwsEngineError(EcsSchedulerError):
    """Reading, planning or applying against AWS failed; the message says what and why."""


class EndpointError(AwsEngineError):
    """The endpoint could not be reached, did not answer in time, or answered something that is
    not an AWS response."""


class DeadlineExceededError(AwsEngineError):
    """The command ran past the deadline the user gave it (``--timeout``)."""


class InterruptedByUserError(AwsEngineError):
    """The user interrupted the command (Ctrl-C); no new AWS call was started after that."""

    exit_code = 130  # 128 + SIGINT, what a shell reports for a process ended by Ctrl-C


class ApplyInterruptedError(InterruptedByUserError):
    """An apply stopped by the user: what was done stays done, and running again converges."""

    def __init__(self, applied: int, total: int, *, command: str = "apply") -> None:
        super().__init__(
            f"Interrupted: {applied} of {total} changes applied; run {command} again to finish."
        )
        self.applied = applied
        self.total = total
