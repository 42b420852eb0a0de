"""Execute a plan: creates and updates in dependency order, deletes in reverse, concurrently.

Every write is idempotent so that an apply interrupted at any point converges when run again:
a create that finds its resource already there falls through to an update if the resource
carries this stack's ownership tags (an earlier, interrupted apply made it), a delete that
finds nothing left is done. AWS may change between plan and apply (the confirmation prompt
waits as long as the person takes): a create that meets a resource someone else made under
its name in the meantime, or a dead-letter queue that received messages, stops that job's
remaining changes and is reported in :attr:`ApplyResult.blocked`.

The one retry loop of the engine lives here: a role IAM has just created is not yet visible
to EventBridge Scheduler, which rejects CreateSchedule and UpdateSchedule with a
ValidationException until it is; botocore's retry modes do not treat that as retryable.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.canonical import canonical_properties, start_date_passed
from ecs_scheduler.engines.aws.clients import AwsClients, CallGuard
from ecs_scheduler.engines.aws.errors import (
    ApplyInterruptedError,
    AwsEngineError,
    InterruptedByUserError,
)
from ecs_scheduler.engines.aws.live import (
    ALARM,
    GROUP,
    QUEUE,
    QUEUE_MESSAGE_COUNTS,
    QUEUE_POLICY,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    LiveResource,
    error_code,
    is_owned,
)
from ecs_scheduler.engines.aws.planner import Change, Plan
from ecs_scheduler.kinds import DEPENDENCY_ORDER
from ecs_scheduler.resources import DesiredState, Resource, ResourceType

ROLE_PROPAGATION_TIMEOUT_SECONDS: Final = 60.0
_ROLE_NOT_ASSUMABLE = re.compile(r"execution role|assume", re.IGNORECASE)
_NOT_FOUND_CODES: Final = frozenset(
    {
        "ResourceNotFoundException",
        "NoSuchEntity",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)
_AWS_RESERVED_TAG_PREFIX = "aws:"
# How often the thread waiting for a batch looks whether the user asked to stop.
_STOP_POLL_SECONDS: Final = 0.1


@dataclass(frozen=True)
class ApplyResult:
    applied: tuple[Change, ...]
    api_calls: int  # made by this apply, through ``clients``
    seconds: float
    # Changes not made because AWS changed since the plan, each with why; the rest of their
    # job was left as it was. Non-empty means the apply did not converge.
    blocked: tuple[str, ...] = ()

    def summary(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "replace": 0, "delete": 0}
        for change in self.applied:
            counts[change.action] += 1
        return counts

    def __str__(self) -> str:
        counts = self.summary()
        return (
            f"{counts['create']} created, {counts['update']} updated, "
            f"{counts['replace']} replaced, {counts['delete']} destroyed "
            f"in {self.seconds:.1f} s ({self.api_calls} API calls)."
        )


def apply(
    plan: Plan,
    clients: AwsClients,
    *,
    force_delete_dlq_messages: bool = False,
    max_workers: int = 16,
    progress: Callable[[Change], None] | None = None,
) -> ApplyResult:
    """Make the changes of ``plan``; raise :class:`AwsEngineError` on the first failed phase.

    Ctrl-C (a ``KeyboardInterrupt`` here, or ``clients.guard.stop()`` from a signal handler)
    starts no new call: changes not begun are dropped, calls in flight finish or time out, and
    :class:`ApplyInterruptedError` says how many changes were made.
    """
    full_queues = [change for change in plan.changes if change.deletes_messages]
    if full_queues and not force_delete_dlq_messages:
        described = ", ".join(
            f"{change.live.aws_name} ({change.deletes_messages} message(s))"
            for change in full_queues
            if change.live is not None
        )
        raise AwsEngineError(
            f"Refusing to apply: it would delete dead-letter queue(s) holding failed events: "
            f"{described}; read or redrive them first, or pass --force-delete-dlq-messages."
        )
    if plan.desired is None and any(change.desired is not None for change in plan.changes):
        raise AwsEngineError("This plan carries no desired state; create it with plan().")
    started = time.monotonic()
    calls_before = clients.api_calls.total
    writer = _Writer(clients, plan.desired, force_delete_dlq_messages=force_delete_dlq_messages)
    applied: list[Change] = []
    forward = [c for c in plan.changes if c.action != "delete"]
    # A replacement under a new name keeps the old resource until the new one is in place.
    backward = [
        c for c in plan.changes if c.action == "delete" or (c.action == "replace" and _renamed(c))
    ]
    guard = clients.guard
    removing = False
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        try:
            for resource_type in DEPENDENCY_ORDER:
                batch = [c for c in forward if c.type == resource_type]
                done = _run(pool, batch, writer.converge, progress, guard)
                applied.extend(change for change in done if change.address not in writer.not_made)
            removing = True
            for resource_type in reversed(DEPENDENCY_ORDER):
                batch = [c for c in backward if c.type == resource_type]
                # A replacement was reported when its new resource was made: report deletes only.
                deletes_progress = _only_deletes(progress)
                done = _run(pool, batch, writer.remove_old, deletes_progress, guard)
                applied.extend(
                    change
                    for change in done
                    if change.action == "delete" and change.address not in writer.not_made
                )
        except _StoppedError as stopped:
            applied.extend(
                c
                for c in stopped.done
                if (not removing or c.action == "delete") and c.address not in writer.not_made
            )
            raise ApplyInterruptedError(len(applied), len(plan.changes)) from None
    return ApplyResult(
        applied=tuple(applied),
        api_calls=clients.api_calls.total - calls_before,
        seconds=time.monotonic() - started,
        blocked=tuple(sorted(writer.blocked)),
    )


def _only_deletes(
    progress: Callable[[Change], None] | None,
) -> Callable[[Change], None] | None:
    if progress is None:
        return None

    def report(change: Change) -> None:
        if change.action == "delete":
            progress(change)

    return report


def _renamed(change: Change) -> bool:
    return (
        change.desired is not None
        and change.live is not None
        and change.desired.aws_name != change.live.aws_name
    )


class _StoppedError(Exception):
    """The user stopped the apply during a batch; ``done`` are its changes that were made."""

    def __init__(self, done: list[Change]) -> None:
        super().__init__("stopped")
        self.done = done


def _run(
    pool: ThreadPoolExecutor,
    changes: list[Change],
    action: Callable[[Change], None],
    progress: Callable[[Change], None] | None,
    guard: CallGuard,
) -> list[Change]:
    futures = {pool.submit(action, change): change for change in changes}
    pending: set[Future[None]] = set(futures)
    done: list[Change] = []
    failures: list[str] = []
    while pending:
        try:
            if guard.stopped:
                # Changes not begun are dropped; the running ones make no new call (the guard
                # refuses them) and end when their call in flight answers or times out.
                pending = {future for future in pending if not future.cancel()}
            finished, pending = wait(pending, _STOP_POLL_SECONDS, FIRST_COMPLETED)
            for future in finished:
                change = futures[future]
                error = future.exception()
                if error is None:
                    done.append(change)
                    if progress is not None:
                        progress(change)
                elif isinstance(error, InterruptedByUserError):
                    continue
                elif isinstance(error, ClientError | BotoCoreError | AwsEngineError):
                    failures.append(f"{change.address} ({change.action}): {_message(error)}")
                else:
                    raise error
        except KeyboardInterrupt:
            # Without a signal handler of the caller's, Ctrl-C lands here, on the waiting thread.
            guard.stop()
    if guard.stopped:
        raise _StoppedError(done)
    if failures:
        failures.sort()
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise AwsEngineError(f"Apply stopped: {failures[0]}{more}.")
    done.sort(key=lambda change: change.address)
    return done


def _message(error: BaseException) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', error)}"
    return str(error)


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def _json(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


class _UnsafeNowError(Exception):
    """AWS changed since the plan so that a change is no longer safe; its job stops here."""


class _Writer:
    def __init__(
        self,
        clients: AwsClients,
        desired: DesiredState | None,
        *,
        force_delete_dlq_messages: bool = False,
    ):
        self.clients = clients
        self.desired = desired
        self.force_delete_dlq_messages = force_delete_dlq_messages
        self.blocked: list[str] = []
        self.not_made: set[str] = set()  # addresses of changes skipped or stopped
        self._blocked_jobs: set[str] = set()
        self._lock = threading.Lock()

    # -- dispatch -------------------------------------------------------------------------

    def converge(self, change: Change) -> None:
        resource = change.desired
        assert resource is not None
        if self._job_blocked(change):
            return
        try:
            if change.action == "replace" and not _renamed(change):
                assert change.live is not None
                self._delete_checked(change.live)
            if change.action == "update":
                self.update(resource, change.live)
            else:
                self.create(resource)
        except _UnsafeNowError as stop:
            self._block(change, str(stop))

    def remove_old(self, change: Change) -> None:
        assert change.live is not None
        if self._job_blocked(change):
            return
        try:
            self._delete_checked(change.live)
        except _UnsafeNowError as stop:
            self._block(change, str(stop))

    def _job_blocked(self, change: Change) -> bool:
        with self._lock:
            if change.job in self._blocked_jobs:
                self.not_made.add(change.address)
                return True
            return False

    def _block(self, change: Change, why: str) -> None:
        with self._lock:
            self._blocked_jobs.add(change.job)
            self.not_made.add(change.address)
            self.blocked.append(
                f"{change.address}: {why}; job {change.job} was left as it was from here on."
            )

    def _delete_checked(self, live: LiveResource) -> None:
        """Delete ``live``; a dead-letter queue only if it still holds no message."""
        if live.type == QUEUE and not self.force_delete_dlq_messages:
            messages = self._queue_messages(live)
            if messages:
                raise _UnsafeNowError(
                    f"the dead-letter queue {live.aws_name} received {messages} message(s) "
                    "after the plan and is kept; read or redrive them, or pass "
                    "--force-delete-dlq-messages"
                )
        self.delete(live)

    def _queue_messages(self, live: LiveResource) -> int:
        """The queue's message count now (SQS's approximate counts, as the plan read them)."""
        try:
            attributes = self.clients.sqs.get_queue_attributes(
                QueueUrl=live.queue_url, AttributeNames=list(QUEUE_MESSAGE_COUNTS)
            )["Attributes"]
        except ClientError as error:
            if error_code(error) in _NOT_FOUND_CODES:
                return 0
            raise
        return sum(int(attributes.get(count, 0)) for count in QUEUE_MESSAGE_COUNTS)

    def _check_owned(self, resource: Resource, kind: str, tags: Mapping[str, str]) -> None:
        """Stop unless the resource found under ``resource``'s name carries our ownership tags."""
        assert self.desired is not None
        if not is_owned(tags, self.desired.stack, resource.job):
            shown = ", ".join(f"{key}={value}" for key, value in sorted(tags.items())) or "none"
            raise _UnsafeNowError(
                f"{kind} {resource.aws_name} was created by someone else after the plan "
                f"(its tags: {shown}); it is left alone"
            )

    def create(self, resource: Resource) -> None:
        creators: dict[ResourceType, Callable[[Resource], None]] = {
            GROUP: self._create_group,
            ROLE: self._create_role,
            ROLE_POLICY: self._put_role_policy,
            QUEUE: self._create_queue,
            QUEUE_POLICY: self._put_queue_policy,
            ALARM: self._put_alarm_new,
            SCHEDULE: self._create_schedule,
        }
        creators[resource.type](resource)

    def update(self, resource: Resource, live: LiveResource | None) -> None:
        updaters: dict[ResourceType, Callable[[Resource, LiveResource | None], None]] = {
            GROUP: self._update_group,
            ROLE: self._update_role,
            ROLE_POLICY: lambda r, _: self._put_role_policy(r),
            QUEUE: self._update_queue,
            QUEUE_POLICY: lambda r, _: self._put_queue_policy(r),
            ALARM: self._update_alarm,
            SCHEDULE: lambda r, _: self._update_schedule(r),
        }
        updaters[resource.type](resource, live)

    def delete(self, live: LiveResource) -> None:
        deleters: dict[ResourceType, Callable[[LiveResource], None]] = {
            GROUP: lambda r: self.clients.scheduler.delete_schedule_group(Name=r.aws_name),
            ROLE: self._delete_role,
            ROLE_POLICY: self._delete_role_policy,
            QUEUE: lambda r: self.clients.sqs.delete_queue(QueueUrl=r.queue_url),
            QUEUE_POLICY: lambda r: self.clients.sqs.set_queue_attributes(
                QueueUrl=r.queue_url, Attributes={"Policy": ""}
            ),
            ALARM: lambda r: self.clients.cloudwatch.delete_alarms(AlarmNames=[r.aws_name]),
            SCHEDULE: lambda r: self.clients.scheduler.delete_schedule(
                Name=r.aws_name, GroupName=r.properties["GroupName"]
            ),
        }
        try:
            deleters[live.type](live)
        except ClientError as error:
            if error_code(error) not in _NOT_FOUND_CODES:
                raise

    # -- names of a job's other resources -------------------------------------------------

    def _sibling(self, resource: Resource, resource_type: ResourceType, name: str) -> Resource:
        assert self.desired is not None
        for candidate in self.desired.resources.values():
            if candidate.job == resource.job and (candidate.type, candidate.name) == (
                resource_type,
                name,
            ):
                return candidate
        raise AwsEngineError(
            f"{resource.address}: the desired state has no {resource_type}.{name} of job "
            f"{resource.job}."
        )

    # -- schedule groups ------------------------------------------------------------------

    def _create_group(self, resource: Resource) -> None:
        # AWS answers ConflictException for a name in use; moto's server replaces the group
        # instead, so look first (the ConflictException path still covers the race after).
        if self._existing_group_is_ours(resource):
            self._update_group(resource, None)
            return
        try:
            self.clients.scheduler.create_schedule_group(
                Name=resource.aws_name, Tags=_tag_list(resource.tags)
            )
        except ClientError as error:
            if error_code(error) != "ConflictException":
                raise
            self._existing_group_is_ours(resource)
            self._update_group(resource, None)

    def _existing_group_is_ours(self, resource: Resource) -> bool:
        """False if no group has ``resource``'s name; True if ours; else stop the job."""
        scheduler = self.clients.scheduler
        try:
            arn = scheduler.get_schedule_group(Name=resource.aws_name)["Arn"]
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            return False
        tags = scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self._check_owned(resource, "schedule group", {tag["Key"]: tag["Value"] for tag in tags})
        return True

    def _update_group(self, resource: Resource, live: LiveResource | None) -> None:
        scheduler = self.clients.scheduler
        arn = scheduler.get_schedule_group(Name=resource.aws_name)["Arn"]
        stale = _stale_tag_keys(live, resource)
        if stale:
            scheduler.untag_resource(ResourceArn=arn, TagKeys=stale)
        scheduler.tag_resource(ResourceArn=arn, Tags=_tag_list(resource.tags))

    # -- schedules ------------------------------------------------------------------------

    def _schedule_request(self, resource: Resource) -> dict[str, Any]:
        group = self._sibling(resource, GROUP, "ecs")
        request: dict[str, Any] = {
            **resource.properties,
            "Name": resource.aws_name,
            "GroupName": group.aws_name,
        }
        target = dict(request["Target"])
        if "Input" in target:
            target["Input"] = _json(target["Input"])
        request["Target"] = target
        if start_date_passed(request.get("StartDate")):
            del request["StartDate"]
        return request

    def _create_schedule(self, resource: Resource) -> None:
        request = self._schedule_request(resource)
        try:
            retry_until_role_usable(lambda: self.clients.scheduler.create_schedule(**request))
        except ClientError as error:
            if error_code(error) != "ConflictException":
                raise
            self._update_schedule(resource)

    def _update_schedule(self, resource: Resource) -> None:
        request = self._schedule_request(resource)
        retry_until_role_usable(lambda: self.clients.scheduler.update_schedule(**request))

    # -- IAM ------------------------------------------------------------------------------

    def _create_role(self, resource: Resource) -> None:
        properties = resource.properties
        request: dict[str, Any] = {
            "RoleName": resource.aws_name,
            "AssumeRolePolicyDocument": _json(properties["AssumeRolePolicyDocument"]),
            "Tags": _tag_list(resource.tags),
        }
        for optional in ("Description", "PermissionsBoundary", "Path", "MaxSessionDuration"):
            if properties.get(optional) is not None:
                request[optional] = properties[optional]
        try:
            self.clients.iam.create_role(**request)
        except ClientError as error:
            if error_code(error) != "EntityAlreadyExists":
                raise
            # Only a role of ours is updated, so a permissions boundary is removed only from a
            # role this stack made and whose config sets none.
            tags = self.clients.iam.list_role_tags(RoleName=resource.aws_name)["Tags"]
            self._check_owned(resource, "IAM role", {tag["Key"]: tag["Value"] for tag in tags})
            self._update_role(resource, None)

    def _update_role(self, resource: Resource, live: LiveResource | None) -> None:
        iam = self.clients.iam
        name = resource.aws_name
        properties = resource.properties
        iam.update_assume_role_policy(
            RoleName=name, PolicyDocument=_json(properties["AssumeRolePolicyDocument"])
        )
        iam.update_role(
            RoleName=name,
            Description=properties.get("Description", ""),
            MaxSessionDuration=properties.get("MaxSessionDuration", 3600),
        )
        boundary = properties.get("PermissionsBoundary")
        if boundary is not None:
            iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
        elif live is None or live.properties.get("PermissionsBoundary"):
            try:
                iam.delete_role_permissions_boundary(RoleName=name)
            except ClientError as error:
                if error_code(error) != "NoSuchEntity":
                    raise
        live_properties = live.properties if live is not None else {}
        for policy_arn in live_properties.get("ManagedPolicyArns", []):
            iam.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
        for policy_name in live_properties.get("OtherInlinePolicies", []):
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        stale = _stale_tag_keys(live, resource)
        if stale:
            iam.untag_role(RoleName=name, TagKeys=stale)
        iam.tag_role(RoleName=name, Tags=_tag_list(resource.tags))

    def _put_role_policy(self, resource: Resource) -> None:
        role = self._sibling(resource, ROLE, "scheduler")
        self.clients.iam.put_role_policy(
            RoleName=role.aws_name,
            PolicyName=resource.aws_name,
            PolicyDocument=_json(resource.properties["PolicyDocument"]),
        )

    def _delete_role_policy(self, live: LiveResource) -> None:
        role_name = live.arn.rsplit("/", 1)[-1]
        self.clients.iam.delete_role_policy(RoleName=role_name, PolicyName=live.aws_name)

    def _delete_role(self, live: LiveResource) -> None:
        iam = self.clients.iam
        name = live.aws_name
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy_name in page["PolicyNames"]:
                iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for attached in page["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
        for page in iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=name):
            for profile in page["InstanceProfiles"]:
                iam.remove_role_from_instance_profile(
                    InstanceProfileName=profile["InstanceProfileName"], RoleName=name
                )
        iam.delete_role(RoleName=name)

    # -- SQS ------------------------------------------------------------------------------

    def _queue_attributes(self, resource: Resource) -> dict[str, str]:
        attributes: dict[str, str] = canonical_properties(QUEUE, resource.properties).get(
            "Attributes", {}
        )
        return attributes

    def _create_queue(self, resource: Resource) -> None:
        sqs = self.clients.sqs
        attributes = self._queue_attributes(resource)
        try:
            sqs.create_queue(
                QueueName=resource.aws_name, Attributes=attributes, tags=dict(resource.tags)
            )
        except ClientError as error:
            if error_code(error) not in {"QueueAlreadyExists", "QueueNameExists"}:
                raise
            url = sqs.get_queue_url(QueueName=resource.aws_name)["QueueUrl"]
            tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
            self._check_owned(resource, "SQS queue", tags)
            self._update_queue(resource, None)

    def _update_queue(self, resource: Resource, live: LiveResource | None) -> None:
        sqs = self.clients.sqs
        url = sqs.get_queue_url(QueueName=resource.aws_name)["QueueUrl"]
        attributes = self._queue_attributes(resource)
        # moto clears a queue's policy on any SetQueueAttributes that omits it (AWS keeps it);
        # sending the current policy back unchanged is right for both.
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
        if current.get("Attributes", {}).get("Policy"):
            attributes["Policy"] = current["Attributes"]["Policy"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        stale = _stale_tag_keys(live, resource)
        if stale:
            sqs.untag_queue(QueueUrl=url, TagKeys=stale)
        sqs.tag_queue(QueueUrl=url, Tags=dict(resource.tags))

    def _put_queue_policy(self, resource: Resource) -> None:
        sqs = self.clients.sqs
        url = sqs.get_queue_url(QueueName=resource.aws_name)["QueueUrl"]
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": _json(resource.properties["Policy"])}
        )

    # -- CloudWatch -----------------------------------------------------------------------

    def _put_alarm_new(self, resource: Resource) -> None:
        # PutMetricAlarm "creates or updates an alarm" (CloudWatch API Reference): it replaces
        # one of the same name without an error, so an alarm made after the plan is looked for.
        cloudwatch = self.clients.cloudwatch
        existing = cloudwatch.describe_alarms(
            AlarmNames=[resource.aws_name], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        for alarm in [*existing["MetricAlarms"], *existing["CompositeAlarms"]]:
            tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
            self._check_owned(
                resource, "CloudWatch alarm", {tag["Key"]: tag["Value"] for tag in tags}
            )
        cloudwatch.put_metric_alarm(
            AlarmName=resource.aws_name, **resource.properties, Tags=_tag_list(resource.tags)
        )

    def _update_alarm(self, resource: Resource, live: LiveResource | None) -> None:
        cloudwatch = self.clients.cloudwatch
        cloudwatch.put_metric_alarm(AlarmName=resource.aws_name, **resource.properties)
        stale = _stale_tag_keys(live, resource)
        if stale:
            cloudwatch.untag_resource(ResourceARN=resource.arn, TagKeys=stale)
        cloudwatch.tag_resource(ResourceARN=resource.arn, Tags=_tag_list(resource.tags))


def _stale_tag_keys(live: LiveResource | None, resource: Resource) -> list[str]:
    if live is None:
        return []
    return sorted(
        key
        for key in live.tags
        if key not in resource.tags and not key.startswith(_AWS_RESERVED_TAG_PREFIX)
    )


def retry_until_role_usable(call: Callable[[], Any]) -> Any:
    """``call()``, retried with backoff while Scheduler cannot yet assume a just-created role."""
    deadline = time.monotonic() + ROLE_PROPAGATION_TIMEOUT_SECONDS
    delay = 1.0
    while True:
        try:
            return call()
        except ClientError as error:
            message = str(error.response.get("Error", {}).get("Message", ""))
            retryable = error_code(error) == "ValidationException" and bool(
                _ROLE_NOT_ASSUMABLE.search(message)
            )
            if not retryable or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 10.0)
