"""Operating a deployed stack: read and redrive its dead-letter queues, run a schedule now.

This package holds what needs no AWS: decoding what EventBridge Scheduler writes on a
dead-letter message, and the result objects the commands render. The AWS calls live in
``ecs_scheduler.engines.aws.operations``.
"""

from ecs_scheduler.operations.dead_letters import DeadLetter, decode_message, group_by_error
from ecs_scheduler.operations.results import (
    ContainerExit,
    DeadLetterListing,
    OperationError,
    PurgeResult,
    RedriveOutcome,
    RedriveResult,
    RunResult,
    TaskExit,
)

__all__ = [
    "ContainerExit",
    "DeadLetter",
    "DeadLetterListing",
    "OperationError",
    "PurgeResult",
    "RedriveOutcome",
    "RedriveResult",
    "RunResult",
    "TaskExit",
    "decode_message",
    "group_by_error",
]
