"""The AWS engine: read the live state of a stack, plan the changes, apply them, read outputs.

Only this package (and ``local.py``) imports boto3.
"""

from ecs_scheduler.engines.aws.applier import ApplyResult, apply
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import (
    ApplyInterruptedError,
    AwsEngineError,
    DeadlineExceededError,
    EndpointError,
    InterruptedByUserError,
)
from ecs_scheduler.engines.aws.outputs import read_outputs
from ecs_scheduler.engines.aws.planner import Change, Plan, plan

__all__ = [
    "ApplyInterruptedError",
    "ApplyResult",
    "AwsClients",
    "AwsEngineError",
    "Change",
    "DeadlineExceededError",
    "EndpointError",
    "InterruptedByUserError",
    "Plan",
    "apply",
    "plan",
    "read_outputs",
]
