"""Operate a deployed job: read and redrive its dead-letter queue, purge it, run a schedule now.

Every operation finds the job's resources as ``plan`` does (``read_live_state``, by the same
names and ownership tags) and acts only on what the stack owns. The task a redrive or ``run``
starts is built from the schedule's target in the model (``resources.schedule_properties``),
resolved with the task-definition lookup the planner uses: the translation below only renames
Scheduler's ``EcsParameters`` to the fields of ECS RunTask, it decides nothing. Every task
started here carries its schedule's ECS task group (``task_failures.task_group``), so the
job's task-failure rule watches it as it watches the schedule's own runs.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.live import GROUP, QUEUE, SCHEDULE, LiveResource, read_live_state
from ecs_scheduler.engines.aws.planner import resolve_task_definitions
from ecs_scheduler.engines.aws.region import require_stack_region
from ecs_scheduler.operations import (
    ContainerExit,
    DeadLetter,
    DeadLetterListing,
    OperationError,
    PurgeResult,
    RedriveOutcome,
    RedriveResult,
    RunResult,
    TaskExit,
    decode_message,
)
from ecs_scheduler.resources import DesiredState, Resource, address, resolve
from ecs_scheduler.task_failures import task_group

# How long a read hides the messages it has received: long enough to page through a full
# queue without seeing a message twice; if the process dies, they reappear after this.
PEEK_HOLD_SECONDS: Final = 60
# A redrive holds each message while its task is started; killed meanwhile, the message
# reappears after this and a later redrive may start its task a second time.
REDRIVE_HOLD_SECONDS: Final = 300
# SQS answers a receive from a sample of its servers unless it long-polls; a one-second wait
# asks all of them, so that an empty answer means an empty queue ("Amazon SQS short and long
# polling", Amazon SQS Developer Guide).
RECEIVE_WAIT_SECONDS: Final = 1
# How often `run --wait` asks DescribeTasks whether its tasks stopped; the AWS CLI's
# tasks-stopped waiter asks every 6 s (botocore's ecs waiters-2.json, TasksStopped).
TASK_POLL_SECONDS: Final = 5
SQS_BATCH: Final = 10
STARTED_BY: Final = "ecs-scheduler"
_NO_QUEUE_CODES: Final = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}


@dataclass(frozen=True)
class LocatedJob:
    """A configured job's live resources, all owned by the stack."""

    job: str
    desired: DesiredState  # the configured state narrowed to this job
    live: tuple[LiveResource, ...]

    @property
    def queue(self) -> LiveResource | None:
        wanted = address(self.job, QUEUE, "dlq")
        return next((found for found in self.live if found.address == wanted), None)

    def require_queue(self) -> LiveResource:
        queue = self.queue
        if queue is None or queue.queue_url is None:
            expected = next(
                (r.aws_name for r in self.desired.resources.values() if r.type == QUEUE), "?"
            )
            raise OperationError(
                f"Job {self.job} has no dead-letter queue in AWS (expected {expected}); "
                "run plan to see what is missing."
            )
        return queue

    def schedule(self, key: str) -> Resource:
        found = self.desired.resources.get(address(self.job, SCHEDULE, "ecs", key))
        if found is None:
            keys = ", ".join(repr(k) for k in schedule_keys(self.desired, self.job))
            raise OperationError(f"Job {self.job} has no schedule {key!r}; it has {keys}.")
        return found

    def task_group(self, key: str) -> str:
        """The ECS task group of the schedule's tasks, which the job's failure rule matches."""
        return task_group(self.desired.stack, self.job, key)


def schedule_keys(desired: DesiredState, job: str) -> list[str]:
    return sorted(
        resource.key or ""
        for resource in desired.resources.values()
        if resource.job == job and resource.type == SCHEDULE
    )


def locate_job(desired: DesiredState, clients: AwsClients, job: str) -> LocatedJob:
    """The job's live resources; refuses an unknown job, one not deployed, or a foreign one."""
    if job not in desired.task_definitions:
        jobs = ", ".join(sorted(desired.task_definitions)) or "none"
        raise OperationError(f"No job {job!r} in stack {desired.stack}; its jobs: {jobs}.")
    require_stack_region(desired, clients)
    narrowed = dataclasses.replace(
        desired,
        resources={key: r for key, r in desired.resources.items() if r.job == job},
        task_definitions={job: desired.task_definitions[job]},
        outputs={job: desired.outputs[job]} if job in desired.outputs else {},
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        live = read_live_state(narrowed, clients, pool, job_workers=1)
    mine = tuple(live.of_job(job))
    if not any(found.type == GROUP for found in mine):
        raise OperationError(
            f"Job {job} of stack {desired.stack} is not deployed in {clients.region}: "
            "run apply first."
        )
    foreign = [found.aws_name for found in mine if not found.owned]
    if foreign:
        raise OperationError(
            f"Job {job}: {', '.join(sorted(foreign))} carry the job's names without this "
            "stack's ownership tags; nothing is done to resources the stack does not own."
        )
    return LocatedJob(job, narrowed, mine)


def schedule_target(located: LocatedJob, clients: AwsClients, key: str) -> dict[str, Any]:
    """The schedule's Target as the model builds it, with its task definition resolved."""
    schedule = located.schedule(key)
    with ThreadPoolExecutor(max_workers=1) as pool:
        values = resolve_task_definitions(located.desired, clients, [located.job], pool)
    resolved = resolve(located.desired, values)
    target: dict[str, Any] = dict(resolved.resources[schedule.address].properties["Target"])
    return target


def run_task_request(
    target: Mapping[str, Any], overrides: Any, *, schedule_task_group: str
) -> dict[str, Any]:
    """ECS RunTask's request for a Scheduler ECS target: the same fields, renamed.

    Field by field, Scheduler's ``EcsParameters`` (Scheduler API reference, EcsParameters)
    are RunTask's parameters (ECS API reference, RunTask); the target's ``Input`` is the
    task override Scheduler passes as RunTask's ``overrides``. The target's ``Group`` is
    RunTask's ``group``; a target without one gets ``schedule_task_group``, the group the
    schedule's tasks carry, so that the task-failure rule matches this task too (without a
    group, ECS would give it ``family:<name>``: ECS API reference, RunTask, ``group``).
    """
    ecs = target["EcsParameters"]
    request: dict[str, Any] = {
        "cluster": target["Arn"],
        "taskDefinition": ecs["TaskDefinitionArn"],
        "count": ecs.get("TaskCount", 1),
        "startedBy": STARTED_BY,
    }
    renamed = {
        "LaunchType": "launchType",
        "CapacityProviderStrategy": "capacityProviderStrategy",
        "PlatformVersion": "platformVersion",
        "PlacementConstraints": "placementConstraints",
        "PlacementStrategy": "placementStrategy",
        "PropagateTags": "propagateTags",
        "EnableECSManagedTags": "enableECSManagedTags",
        "EnableExecuteCommand": "enableExecuteCommand",
        "Group": "group",
    }
    for field, name in renamed.items():
        if field in ecs:
            request[name] = ecs[field]
    request.setdefault("group", schedule_task_group)
    network = ecs.get("NetworkConfiguration", {}).get("awsvpcConfiguration")
    if network is not None:
        vpc: dict[str, Any] = {"subnets": list(network["Subnets"])}
        if "SecurityGroups" in network:
            vpc["securityGroups"] = list(network["SecurityGroups"])
        if "AssignPublicIp" in network:
            vpc["assignPublicIp"] = network["AssignPublicIp"]
        request["networkConfiguration"] = {"awsvpcConfiguration": vpc}
    if ecs.get("Tags"):
        # Scheduler's tags are one-entry maps; RunTask's are key/value pairs.
        request["tags"] = [
            {"key": key, "value": value} for tag in ecs["Tags"] for key, value in tag.items()
        ]
    if overrides:
        request["overrides"] = overrides
    return request


# --------------------------------------------------------------------------- dead letters


@contextmanager
def _held_messages(
    clients: AwsClients, queue_url: str, *, hold_seconds: int, limit: int | None = None
) -> Iterator[dict[str, dict[str, Any]]]:
    """Receive the queue's messages (by id); on exit, make those still held visible again.

    The caller removes from the mapping each message it deleted. Whatever happens inside,
    the rest get their visibility timeout set to 0: they are back in the queue at once.
    """
    sqs = clients.sqs
    held: dict[str, dict[str, Any]] = {}
    try:
        while limit is None or len(held) < limit:
            batch = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=SQS_BATCH,
                VisibilityTimeout=hold_seconds,
                WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
            ).get("Messages", [])
            new = [message for message in batch if message["MessageId"] not in held]
            for message in batch:
                held[message["MessageId"]] = message  # the newest receipt handle counts
            if not new:
                break
        yield held
    except ClientError as error:
        if _code(error) in _NO_QUEUE_CODES:
            raise OperationError(f"The dead-letter queue {queue_url} no longer exists.") from error
        raise OperationError(f"Reading dead-letter queue {queue_url} failed: {error}.") from error
    finally:
        _release(clients, queue_url, list(held.values()))


def _release(clients: AwsClients, queue_url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), SQS_BATCH):
        chunk = messages[start : start + SQS_BATCH]
        clients.sqs.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {
                    "Id": str(index),
                    "ReceiptHandle": message["ReceiptHandle"],
                    "VisibilityTimeout": 0,
                }
                for index, message in enumerate(chunk)
            ],
        )


def _schedule_key_of(located: LocatedJob, letter: DeadLetter) -> tuple[str | None, str]:
    """The configured schedule key a message came from, or None with the reason why not."""
    where = letter.schedule_group_and_name
    if where is None:
        return None, "the message names no schedule (no SCHEDULE_ARN attribute)"
    group, name = where
    group_names = {r.aws_name for r in located.desired.resources.values() if r.type == GROUP}
    configured = next(
        (
            r
            for r in located.desired.resources.values()
            if r.type == SCHEDULE and r.aws_name == name and group in group_names
        ),
        None,
    )
    if configured is None:
        return None, f"schedule {group}/{name} is no longer in the config"
    if not any(r.type == SCHEDULE and r.aws_name == name for r in located.live):
        return None, f"schedule {group}/{name} no longer exists in AWS"
    return configured.key or "", ""


def read_dead_letters(desired: DesiredState, clients: AwsClients, job: str) -> DeadLetterListing:
    """Every message of the job's dead-letter queue, left in the queue and visible."""
    located = locate_job(desired, clients, job)
    queue = located.require_queue()
    assert queue.queue_url is not None
    with _held_messages(clients, queue.queue_url, hold_seconds=PEEK_HOLD_SECONDS) as held:
        letters = tuple(decode_message(message) for message in held.values())
    return DeadLetterListing(
        job=job,
        queue_name=queue.aws_name,
        queue_url=queue.queue_url,
        messages=letters,
        schedules={letter.message_id: _schedule_key_of(located, letter)[0] for letter in letters},
    )


def redrive(
    desired: DesiredState,
    clients: AwsClients,
    job: str,
    *,
    dry_run: bool = False,
    max_messages: int | None = None,
) -> RedriveResult:
    """Start each failed invocation's task as its schedule would; delete only what started.

    Order per message: received (hidden) → RunTask → DeleteMessage. Killed before RunTask
    answers, the message reappears; killed between RunTask and DeleteMessage, it reappears
    too and its task has started: a later redrive starts it once more (at most one duplicate
    per interrupted redrive). RunTask gets the message id as ``clientToken``, so ECS treats
    that second request as the first one while it still remembers the token (ECS API
    reference, RunTask ``clientToken`` and "Ensuring idempotency").
    """
    located = locate_job(desired, clients, job)
    queue = located.require_queue()
    assert queue.queue_url is not None
    outcomes: list[RedriveOutcome] = []
    targets: dict[str, dict[str, Any]] = {}
    with _held_messages(
        clients, queue.queue_url, hold_seconds=REDRIVE_HOLD_SECONDS, limit=max_messages
    ) as held:
        for message in list(held.values())[:max_messages]:
            letter = decode_message(message)
            key, why_not = _schedule_key_of(located, letter)
            if key is None:
                outcomes.append(RedriveOutcome(letter.message_id, None, "left", detail=why_not))
                continue
            if key not in targets:
                targets[key] = schedule_target(located, clients, key)
            # The schedule named by the message is still configured (otherwise it was left
            # above), so its task runs in that schedule's group, whatever the message holds.
            request = run_task_request(
                targets[key],
                _overrides(letter, targets[key]),
                schedule_task_group=located.task_group(key),
            )
            if dry_run:
                outcomes.append(
                    RedriveOutcome(
                        letter.message_id,
                        key,
                        "would start",
                        detail=f"{request['count']} task(s) of {request['taskDefinition']} "
                        f"in group {request['group']}",
                    )
                )
                continue
            outcome = _start(clients, letter, key, request)
            if outcome.action == "started":
                clients.sqs.delete_message(
                    QueueUrl=queue.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                del held[letter.message_id]
            outcomes.append(outcome)
    return RedriveResult(job, queue.aws_name, dry_run, tuple(outcomes))


def _overrides(letter: DeadLetter, target: Mapping[str, Any]) -> Any:
    """The payload Scheduler kept on the message; the schedule's own when it was truncated."""
    payload = letter.payload
    if not letter.payload_truncated and isinstance(payload, dict):
        return payload
    return target.get("Input")


def _start(
    clients: AwsClients, letter: DeadLetter, key: str, request: dict[str, Any]
) -> RedriveOutcome:
    try:
        response = clients.ecs.run_task(**request, clientToken=letter.message_id[:64])
    except (ClientError, BotoCoreError) as error:
        return RedriveOutcome(letter.message_id, key, "left", detail=f"RunTask failed: {error}")
    arns = tuple(task["taskArn"] for task in response.get("tasks", []))
    failures = "; ".join(
        f"{failure.get('arn', '')} {failure.get('reason', '')}".strip()
        for failure in response.get("failures", [])
    )
    if not arns:
        return RedriveOutcome(
            letter.message_id, key, "left", detail=f"RunTask started no task: {failures}"
        )
    return RedriveOutcome(letter.message_id, key, "started", arns, detail=failures)


def purge(desired: DesiredState, clients: AwsClients, job: str) -> PurgeResult:
    """Delete every message of the job's own dead-letter queue (SQS PurgeQueue)."""
    located = locate_job(desired, clients, job)
    queue = located.require_queue()
    try:
        clients.sqs.purge_queue(QueueUrl=queue.queue_url)
    except ClientError as error:
        raise OperationError(f"Purging {queue.aws_name} failed: {error}.") from error
    return PurgeResult(job, queue.aws_name, queue.queue_messages)


# --------------------------------------------------------------------------- run now


def run_schedule(
    desired: DesiredState,
    clients: AwsClients,
    job: str,
    key: str = "",
    *,
    wait: bool = False,
    timeout_seconds: float = 3600,
    poll_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """Start the schedule's task now, with exactly the parameters the schedule would use.

    With ``wait``, DescribeTasks is asked every ``poll_seconds`` (``TASK_POLL_SECONDS`` when
    not given, read at each call).
    """
    located = locate_job(desired, clients, job)
    schedule = located.schedule(key)
    enabled = schedule.properties.get("State") == "ENABLED"
    target = schedule_target(located, clients, key)
    request = run_task_request(
        target, target.get("Input"), schedule_task_group=located.task_group(key)
    )
    try:
        response = clients.ecs.run_task(**request)
    except (ClientError, BotoCoreError) as error:
        raise OperationError(f"RunTask for job {job} failed: {error}.") from error
    arns = tuple(task["taskArn"] for task in response.get("tasks", []))
    if not arns:
        reasons = "; ".join(f.get("reason", "?") for f in response.get("failures", []))
        raise OperationError(f"RunTask for job {job} started no task: {reasons or 'no reason'}.")
    result = RunResult(job, key, enabled, arns, request["group"])
    if not wait:
        return result
    tasks = wait_for_tasks(
        clients,
        request["cluster"],
        arns,
        timeout_seconds=timeout_seconds,
        poll_seconds=TASK_POLL_SECONDS if poll_seconds is None else poll_seconds,
        sleep=sleep,
    )
    return dataclasses.replace(result, tasks=tasks)


def wait_for_tasks(
    clients: AwsClients,
    cluster: str,
    task_arns: tuple[str, ...],
    *,
    timeout_seconds: float,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[TaskExit, ...]:
    """Poll DescribeTasks until every task is STOPPED; each container's exit and reason."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        described = clients.ecs.describe_tasks(cluster=cluster, tasks=list(task_arns))["tasks"]
        if len(described) == len(task_arns) and all(
            task.get("lastStatus") == "STOPPED" for task in described
        ):
            break
        if time.monotonic() >= deadline:
            running = sum(1 for task in described if task.get("lastStatus") != "STOPPED")
            raise OperationError(
                f"{running} of {len(task_arns)} task(s) still running after "
                f"{timeout_seconds:g}s; they keep running: {', '.join(task_arns)}."
            )
        sleep(poll_seconds)
    essential = _essential_containers(clients, {task["taskDefinitionArn"] for task in described})
    return tuple(
        TaskExit(
            task_arn=task["taskArn"],
            last_status=task["lastStatus"],
            stop_code=task.get("stopCode"),
            stopped_reason=task.get("stoppedReason"),
            containers=tuple(
                ContainerExit(
                    name=container["name"],
                    essential=essential.get((task["taskDefinitionArn"], container["name"]), True),
                    exit_code=container.get("exitCode"),
                    reason=container.get("reason"),
                )
                for container in task.get("containers", [])
            ),
        )
        for task in sorted(described, key=lambda task: task_arns.index(task["taskArn"]))
    )


def _essential_containers(
    clients: AwsClients, definitions: set[str]
) -> dict[tuple[str, str], bool]:
    """By (task definition, container), whether it is essential (ECS's default: yes)."""
    flags: dict[tuple[str, str], bool] = {}
    for arn in definitions:
        definition = clients.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        for container in definition.get("containerDefinitions", []):
            flags[(arn, container["name"])] = bool(container.get("essential", True))
    return flags


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
