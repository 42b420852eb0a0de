"""A deployed stack on the emulator, and dead-letter messages written as Scheduler writes them.

Scheduler never fires on the emulator, so the tests put its dead-letter messages into the
queue themselves, with the attributes the Scheduler User Guide documents.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from ecs_scheduler.engines.aws import AwsClients, apply, operations, plan
from ecs_scheduler.loader import load
from ecs_scheduler.operations.status import task_failure_rules
from ecs_scheduler.resources import DesiredState, build, resolve_refs
from tests.conftest import EmulatedAccount


@dataclass(frozen=True)
class Deployed:
    account: EmulatedAccount
    desired: DesiredState
    example: str
    task_failure_rules: Mapping[str, str | None]  # by job, as status reads them from the config

    @property
    def clients(self) -> AwsClients:
        return self.account.clients

    def outputs(self, job: str) -> dict[str, Any]:
        """The job's outputs as the model computes them, each ref resolved to its string."""
        return dict(resolve_refs(self.desired.outputs[job], self.desired.resources))

    def queue_url(self, job: str) -> str:
        name = self.outputs(job)["dlq_name"]
        url: str = self.clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return url

    def put_dead_letter(
        self,
        job: str,
        schedule: str = "",
        *,
        error_code: str = "ECS.ThrottlingException",
        payload: Any = None,
        truncated: bool = False,
        schedule_arn: str | None = None,
        scheduled_time: str = "2026-11-28T06:00:00Z",
    ) -> str:
        outputs = self.outputs(job)
        attributes = {
            "ERROR_CODE": error_code,
            "ERROR_MESSAGE": f"{error_code} while calling RunTask",
            "EXECUTION_ID": "d32c5kddcf5bb8c3",
            "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
            "IS_PAYLOAD_TRUNCATED": "true" if truncated else "false",
            "RETRY_ATTEMPTS": "5",
            "SCHEDULED_TIME": scheduled_time,
            "SCHEDULE_ARN": schedule_arn or outputs["schedule_arns"][schedule],
            "TARGET_ARN": self.account.prereqs.cluster_arn,
        }
        message_id: str = self.clients.sqs.send_message(
            QueueUrl=self.queue_url(job),
            MessageBody=json.dumps(payload if payload is not None else {}),
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            },
        )["MessageId"]
        return message_id

    def put_metric_points(
        self,
        namespace: str,
        dimension: tuple[str, str],
        points: list[tuple[str, float, int]],
        *,
        now: datetime,
    ) -> None:
        """CloudWatch data points as an AWS service publishes them: (metric, value, hours ago)."""
        name, value = dimension
        self.clients.cloudwatch.put_metric_data(
            Namespace=namespace,
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": name, "Value": value}],
                    "Timestamp": now - timedelta(hours=hours),
                    "Value": amount,
                }
                for metric, amount, hours in points
            ],
        )

    def visible_messages(self, job: str) -> int:
        attributes = self.clients.sqs.get_queue_attributes(
            QueueUrl=self.queue_url(job), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def running_tasks(self) -> list[str]:
        arns: list[str] = self.clients.ecs.list_tasks(cluster=self.account.prereqs.cluster_name)[
            "taskArns"
        ]
        return arns


def deploy_example(account: EmulatedAccount, example: str) -> Deployed:
    """The example applied to the emulator."""
    stack = load(account.configs[example]).stack
    desired = build(stack)
    apply(plan(desired, account.clients), account.clients)
    return Deployed(account, desired, example, task_failure_rules(stack))


def poll_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dead-letter reads and `run --wait` in this process ask the emulator without waiting.

    On SQS a receive long-polls for a second so that an empty answer means an empty queue
    (every read ends with one); the emulator answers from one store, so a short poll sees
    every message too. `run --wait` asks DescribeTasks every 0.02 s instead of every 5 s.
    """
    monkeypatch.setattr(operations, "RECEIVE_WAIT_SECONDS", 0)
    monkeypatch.setattr(operations, "TASK_POLL_SECONDS", 0.02)


# The same for the commands of a test, as the prelude of tests/prewarmed.py's children.
POLL_QUICKLY = """
from ecs_scheduler.engines.aws import operations
operations.RECEIVE_WAIT_SECONDS = 0
operations.TASK_POLL_SECONDS = 0.02
"""


@contextmanager
def tasks_never_stop(endpoint_url: str) -> Iterator[None]:
    """Keep the emulator's ECS tasks RUNNING until stopped, as a long real task would be.

    moto moves a task one state further at each DescribeTasks unless told otherwise, through
    its state manager (moto's documentation, "State Manager").
    """
    _moto_api(endpoint_url, "set-transition", {"progression": "manual", "times": 1_000_000})
    try:
        yield
    finally:
        _moto_api(endpoint_url, "unset-transition", None)


def _moto_api(endpoint_url: str, action: str, transition: dict[str, Any] | None) -> None:
    body: dict[str, Any] = {"model_name": "ecs::task"}
    if transition is not None:
        body["transition"] = transition
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/state-manager/{action}",
        data=json.dumps(body).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
