"""The results of the operating commands, each with the stable JSON form ``--json`` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.operations.dead_letters import DeadLetter, group_by_error


class OperationError(EcsSchedulerError):
    """An operating command cannot act: unknown job, nothing deployed, a queue not ours..."""


@dataclass(frozen=True)
class DeadLetterListing:
    """The messages of a job's dead-letter queue, read without consuming them."""

    job: str
    queue_name: str
    queue_url: str
    messages: tuple[DeadLetter, ...]
    schedules: dict[str, str | None]  # message id -> schedule key in the config (None: unknown)

    def message(self, message_id: str) -> dict[str, Any]:
        """One message as JSON, with its schedule's key; the queue must hold it."""
        letter = next((m for m in self.messages if m.message_id == message_id), None)
        if letter is None:
            raise OperationError(
                f"No message {message_id} in dead-letter queue {self.queue_name} "
                f"({len(self.messages)} message(s) there)."
            )
        return {**letter.to_json(), "schedule": self.schedules.get(message_id)}

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "queue_name": self.queue_name,
            "queue_url": self.queue_url,
            "count": len(self.messages),
            "by_error": {
                code: [letter.message_id for letter in members]
                for code, members in group_by_error(self.messages).items()
            },
            "messages": [
                {**letter.to_json(), "schedule": self.schedules.get(letter.message_id)}
                for letter in self.messages
            ],
        }


RedriveAction = Literal["started", "would start", "left"]


@dataclass(frozen=True)
class RedriveOutcome:
    message_id: str
    schedule: str | None  # the schedule's key in the config; None when it has none
    action: RedriveAction
    task_arns: tuple[str, ...] = ()
    detail: str = ""  # why a message was left, or what a dry run would do

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "schedule": self.schedule,
            "action": self.action,
            "task_arns": list(self.task_arns),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class RedriveResult:
    job: str
    queue_name: str
    dry_run: bool
    outcomes: tuple[RedriveOutcome, ...]

    @property
    def left(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == "left")

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "queue_name": self.queue_name,
            "dry_run": self.dry_run,
            "started": sum(1 for outcome in self.outcomes if outcome.action == "started"),
            "left": self.left,
            "outcomes": [outcome.to_json() for outcome in self.outcomes],
        }


@dataclass(frozen=True)
class PurgeResult:
    job: str
    queue_name: str
    messages: int  # approximately how many messages the purge removed

    def to_json(self) -> dict[str, Any]:
        return {"job": self.job, "queue_name": self.queue_name, "messages_purged": self.messages}


@dataclass(frozen=True)
class ContainerExit:
    name: str
    essential: bool
    exit_code: int | None  # None: ECS reported none (the container never ran, or is running)
    reason: str | None


@dataclass(frozen=True)
class TaskExit:
    task_arn: str
    last_status: str
    stop_code: str | None
    stopped_reason: str | None
    containers: tuple[ContainerExit, ...]

    @property
    def succeeded(self) -> bool:
        """Stopped, and every essential container exited 0 (a task with none did not)."""
        essential = [container for container in self.containers if container.essential]
        return (
            self.last_status == "STOPPED"
            and bool(essential)
            and all(container.exit_code == 0 for container in essential)
        )


@dataclass(frozen=True)
class RunResult:
    job: str
    schedule: str
    enabled: bool  # the schedule's state in the config: a disabled one can still be run
    task_arns: tuple[str, ...]
    group: str  # the tasks' ECS task group, which the job's task-failure rule matches
    tasks: tuple[TaskExit, ...] = ()  # filled when the run waited for its tasks to stop

    @property
    def waited(self) -> bool:
        return bool(self.tasks)

    @property
    def succeeded(self) -> bool:
        """Without waiting: the tasks started. Having waited: every task succeeded."""
        if not self.task_arns:
            return False
        return all(task.succeeded for task in self.tasks) if self.waited else True

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "schedule": self.schedule,
            "enabled": self.enabled,
            "task_arns": list(self.task_arns),
            "group": self.group,
            "waited": self.waited,
            "succeeded": self.succeeded,
            "tasks": [
                {
                    "task_arn": task.task_arn,
                    "last_status": task.last_status,
                    "stop_code": task.stop_code,
                    "stopped_reason": task.stopped_reason,
                    "succeeded": task.succeeded,
                    "containers": [
                        {
                            "name": container.name,
                            "essential": container.essential,
                            "exit_code": container.exit_code,
                            "reason": container.reason,
                        }
                        for container in task.containers
                    ],
                }
                for task in self.tasks
            ],
        }
