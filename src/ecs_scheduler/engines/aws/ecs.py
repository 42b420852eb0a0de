"""ECS task definitions, read once per plan: preflight checks them, the plan resolves its
ARN and roles from them, and a task definition that cannot be read is described one way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.service import Once, error_code
from ecs_scheduler.resources import TaskDefinitionRef

# DescribeTaskDefinition answers a family without an ACTIVE revision, or a revision that does
# not exist, with ClientException (ECS API Reference, DescribeTaskDefinition, "Errors"); moto
# answers InvalidParameterException.
NOT_FOUND_CODES: Final = frozenset({"ClientException", "InvalidParameterException"})


class TaskDefinitions:
    """DescribeTaskDefinition, made once per task definition whichever caller asks first.

    One instance serves one plan: its preflight, and its resolution of the lookups.
    """

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients
        self._once = Once()

    def describe(self, reference: TaskDefinitionRef) -> Mapping[str, Any]:
        """The task definition ``reference`` names; raises the ``ClientError`` ECS answered."""
        identifier = reference.identifier
        described: Mapping[str, Any] = self._once(
            identifier,
            lambda: self.clients.ecs.describe_task_definition(taskDefinition=identifier)[
                "taskDefinition"
            ],
        )
        return described


def unreadable(job: str, reference: TaskDefinitionRef, error: ClientError) -> str:
    """Why the task definition of ``job`` could not be read, as one sentence."""
    if error_code(error) not in NOT_FOUND_CODES:
        message = error.response.get("Error", {}).get("Message", str(error))
        return (
            f"Job '{job}': could not check task definition {reference.identifier}: "
            f"{error_code(error)}: {message}"
        )
    if reference.revision is None:
        return f"Job '{job}': task definition family '{reference.family}' has no ACTIVE revision."
    return (
        f"Job '{job}': revision {reference.revision} of task definition family "
        f"'{reference.family}' does not exist."
    )
