"""What the engine's per-service modules share: the live resource, the write context, the
operations a service offers for one resource kind, and the helpers every service uses.

Each service module (``scheduler``, ``iam``, ``sqs``, ``cloudwatch``, ``events``) owns, for
its kinds, the reads, the writes, the error codes that mean "not found", the canonical form
(``OPERATIONS``: a :class:`ServiceOperations` per kind) and how the live read finds a job's
resource by the name its group records (``RECORDED``: a :class:`RecordedKind` each);
``registry`` collects them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from botocore.exceptions import ClientError

from ecs_scheduler.engines.aws.canonical import KindShape
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_JOB, TAG_MANAGED_BY, TAG_STACK
from ecs_scheduler.resources import DesiredState, Resource, ResourceType

GROUP: Final[ResourceType] = "aws_scheduler_schedule_group"
SCHEDULE: Final[ResourceType] = "aws_scheduler_schedule"
ROLE: Final[ResourceType] = "aws_iam_role"
ROLE_POLICY: Final[ResourceType] = "aws_iam_role_policy"
QUEUE: Final[ResourceType] = "aws_sqs_queue"
QUEUE_POLICY: Final[ResourceType] = "aws_sqs_queue_policy"
ALARM: Final[ResourceType] = "aws_cloudwatch_metric_alarm"
RULE: Final[ResourceType] = "aws_cloudwatch_event_rule"
RULE_TARGET: Final[ResourceType] = "aws_cloudwatch_event_target"

_AWS_RESERVED_TAG_PREFIX = "aws:"


@dataclass(frozen=True)
class LiveResource:
    """One resource as it exists in AWS, with its properties in the model's request shape."""

    address: str
    job: str
    type: ResourceType
    aws_name: str
    arn: str
    properties: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    owned: bool = True  # carries this stack's and job's ownership tags (or belongs through them)
    queue_url: str | None = None
    queue_messages: int = 0


class UnsafeNowError(Exception):
    """AWS changed since the plan so that a change is no longer safe; its job stops here."""


@dataclass(frozen=True)
class WriteContext:
    """What a service's create and update need beyond the resource: the clients, and the
    desired state, for ownership and for the names of the job's other resources."""

    clients: AwsClients
    desired: DesiredState

    def check_owned(self, resource: Resource, kind: str, tags: Mapping[str, str]) -> None:
        """Stop unless the resource found under ``resource``'s name carries our ownership tags."""
        if not is_owned(tags, self.desired.stack, resource.job):
            shown = ", ".join(f"{key}={value}" for key, value in sorted(tags.items())) or "none"
            raise UnsafeNowError(
                f"{kind} {resource.aws_name} was created by someone else after the plan "
                f"(its tags: {shown}); it is left alone"
            )

    def parent(self, resource: Resource) -> Resource:
        """The resource ``resource`` lives inside (a policy's role, a target's rule)."""
        parent = self.desired.resources.get(resource.parent or "")
        if parent is None:
            raise AwsEngineError(
                f"{resource.address}: the desired state has no {resource.parent or 'parent'} "
                "for it to live inside."
            )
        return parent


def _as_it_is(fields: dict[str, Any]) -> dict[str, Any]:
    return fields


def _everything(live: Mapping[str, Any], _desired: Mapping[str, Any]) -> dict[str, Any]:
    return dict(live)


@dataclass(frozen=True)
class ServiceOperations:
    """How one resource kind is created, updated and deleted, how its service says a
    resource is gone (a delete that meets one of ``not_found_codes`` is done), and how its
    properties compare.

    ``canonical`` is the kind's own part of the canonical form (a ``canonical.KindShape``):
    the defaults its service fills in, lists it keeps in no order, JSON text it returns.
    ``comparable`` leaves out of the live properties what the config has no say in, given the
    desired ones.
    """

    create: Callable[[WriteContext, Resource], None]
    update: Callable[[WriteContext, Resource, LiveResource | None], None]
    delete: Callable[[AwsClients, LiveResource], None]
    not_found_codes: frozenset[str]
    canonical: KindShape = _as_it_is
    comparable: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]] = _everything

    @classmethod
    def by_put(
        cls,
        put: Callable[[WriteContext, Resource], None],
        delete: Callable[[AwsClients, LiveResource], None],
        not_found_codes: frozenset[str],
        *,
        canonical: KindShape = _as_it_is,
    ) -> ServiceOperations:
        """A kind whose one write (a Put...) both creates and updates it."""
        return cls(
            put,
            lambda context, resource, _: put(context, resource),
            delete,
            not_found_codes,
            canonical,
        )


Wanted = Mapping[tuple[ResourceType, str], Resource]
"""A job's desired resources by (type, Terraform resource name); empty for a job's second,
stray schedule group, whose resources are found by what it records alone."""


@dataclass(frozen=True)
class RecordedKind:
    """How the live read finds a job's one resource of a kind that its schedule group records
    the name of (``naming.schedule_group_tags``): a role, a queue, a rule.

    The names tried, in order: the configured one; the one the job's schedules name at
    ``schedule_path`` (an ARN in their target), if they name it; the one the group records in
    ``recorded_by`` (groups made before names were recorded: the group's name plus
    ``legacy_suffix``). Any name but the configured one counts only if what it finds is ours.
    ``read`` returns the resource first, then what lives inside it, or nothing.
    """

    type: ResourceType
    name: str  # the model's Terraform resource name of the kind's one resource per job
    recorded_by: str
    legacy_suffix: str
    read: Callable[[AwsClients, str, str, str, Wanted], list[LiveResource]]
    schedule_path: tuple[str, ...] = ()


def is_owned(tags: Mapping[str, str], stack: str, job: str) -> bool:
    return (
        tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE
        and tags.get(TAG_STACK) == stack
        and tags.get(TAG_JOB) == job
    )


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags in the ``[{"Key": ..., "Value": ...}]`` shape of Scheduler, IAM, CloudWatch and
    EventBridge."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def tag_map(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags}


def as_json(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


def parsed_policy(document: Any) -> Any:
    return json.loads(document) if isinstance(document, str) else document


def retag(
    live: LiveResource | None,
    resource: Resource,
    untag: Callable[[list[str]], object],
    tag: Callable[[], object],
) -> None:
    """``untag`` the keys the live resource has and ``resource`` lacks (AWS's own ``aws:``
    tags kept), then ``tag`` it with ``resource``'s tags."""
    stale = (
        []
        if live is None
        else sorted(
            key
            for key in live.tags
            if key not in resource.tags and not key.startswith(_AWS_RESERVED_TAG_PREFIX)
        )
    )
    if stale:
        untag(stale)
    tag()


def request_fields(client: Any, operation: str) -> frozenset[str]:
    """The request fields of ``operation`` (botocore's model), to project a read onto them."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    return frozenset(shape.members)


_Value = TypeVar("_Value")


class Once:
    """Calls made once per key, whichever thread asks first.

    A thread asking for a call already in flight waits for it rather than repeating it; an
    error (e.g. "not found") is remembered and raised to every thread that asks.
    """

    def __init__(self) -> None:
        self._results: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, key: Hashable, fetch: Callable[[], _Value]) -> _Value:
        with self._lock:
            pending = self._results.get(key)
            owner = pending is None
            if pending is None:
                pending = self._results[key] = Future()
        if owner:
            try:
                pending.set_result(fetch())
            except BaseException as error:
                pending.set_exception(error)
        result: _Value = pending.result()
        return result
