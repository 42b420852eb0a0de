"""The AWS engine's one exception type."""

from ecs_scheduler.errors import EcsSchedulerError


class AwsEngineError(EcsSchedulerError):
    """Reading, planning or applying against AWS failed; the message says what and why."""
