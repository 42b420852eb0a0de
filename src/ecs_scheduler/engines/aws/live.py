"""The live state of a stack, read from AWS into the request shape the model uses.

Nothing here decides anything: it reports what exists, its tags, whether this stack owns it,
and facts a plan needs (a queue's URL and message count). Live resources are keyed by the
address their job's desired resource has; resources of a job that is no longer configured
get the addresses the model would give them.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws.canonical import SETTABLE_QUEUE_ATTRIBUTES
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.naming import (
    HASH_LENGTH,
    MANAGED_BY_VALUE,
    TAG_JOB,
    TAG_MANAGED_BY,
    TAG_STACK,
    is_role_policy_name,
    schedule_key_of,
)
from ecs_scheduler.resources import DesiredState, Resource, ResourceType, address

T = TypeVar("T")
R = TypeVar("R")

GROUP: Final[ResourceType] = "aws_scheduler_schedule_group"
SCHEDULE: Final[ResourceType] = "aws_scheduler_schedule"
ROLE: Final[ResourceType] = "aws_iam_role"
ROLE_POLICY: Final[ResourceType] = "aws_iam_role_policy"
QUEUE: Final[ResourceType] = "aws_sqs_queue"
QUEUE_POLICY: Final[ResourceType] = "aws_sqs_queue_policy"
ALARM: Final[ResourceType] = "aws_cloudwatch_metric_alarm"

# The Terraform resource names of the model, for jobs no longer in the config.
_ALARM_NAME_BY_METRIC = {
    "ApproximateNumberOfMessagesVisible": "dlq_messages_visible",
    "ApproximateAgeOfOldestMessage": "dlq_oldest_message",
}
DEFAULT_JOB_READERS = 4
# A name the naming standard shortened ends in "-" and 8 hex digits of a hash.
_SHORTENED_NAME = re.compile(rf"-[0-9a-f]{{{HASH_LENGTH}}}$")
_ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
# Called with (jobs read, jobs to read) as a read advances, once at its start with 0.
ReadProgress = Callable[[int, int], None]
_Group = tuple[str, str, dict[str, str]]  # name, ARN, tags
QUEUE_MESSAGE_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


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


@dataclass(frozen=True)
class LiveState:
    stack: str
    resources: Mapping[str, LiveResource]  # by address
    unreadable: tuple[str, ...] = ()  # schedule groups whose tags could not be read, with why

    def of_job(self, job: str) -> list[LiveResource]:
        return [resource for resource in self.resources.values() if resource.job == job]


def is_owned(tags: Mapping[str, str], stack: str, job: str) -> bool:
    return (
        tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE
        and tags.get(TAG_STACK) == stack
        and tags.get(TAG_JOB) == job
    )


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def parallel_map(
    pool: ThreadPoolExecutor, function: Callable[[T], R], items: Iterable[T]
) -> list[R]:
    return list(pool.map(function, items))


def read_live_state(
    desired: DesiredState,
    clients: AwsClients,
    pool: ThreadPoolExecutor,
    *,
    job_workers: int = DEFAULT_JOB_READERS,
    progress: ReadProgress | None = None,
) -> LiveState:
    """Everything of ``desired.stack`` that exists, plus what collides with its names.

    ``pool`` runs single reads (a schedule, a group's tags); ``job_workers`` jobs are read at
    once, each on a thread of its own pool, since a job waits for its reads in ``pool``.
    ``progress`` hears of each job read, one call at a time.
    """
    reader = _Reader(desired, clients, pool, job_workers, progress)
    try:
        return reader.read()
    except (ClientError, BotoCoreError) as error:
        raise AwsEngineError(
            f"Reading the live state of stack {desired.stack} failed: {error}."
        ) from error


class _Reader:
    def __init__(
        self,
        desired: DesiredState,
        clients: AwsClients,
        pool: ThreadPoolExecutor,
        job_workers: int,
        progress: ReadProgress | None = None,
    ):
        self.job_workers = max(1, job_workers)
        self.progress = progress
        self.progress_lock = threading.Lock()
        self.jobs_read = 0
        self.desired = desired
        self.stack = desired.stack
        self.clients = clients
        self.pool = pool
        self.desired_by_job: dict[str, list[Resource]] = {}
        for resource in desired.resources.values():
            self.desired_by_job.setdefault(resource.job, []).append(resource)
        self.unreadable: list[str] = []

    def read(self) -> LiveState:
        groups = self._stack_groups()
        jobs = sorted(self.desired_by_job.keys() | groups.keys())
        self._report(0, len(jobs))
        # Jobs get a pool of their own: a job's reads fan out to ``self.pool`` and wait for
        # them, which would deadlock if jobs filled ``self.pool`` themselves.
        with ThreadPoolExecutor(max_workers=self.job_workers) as job_pool:
            per_job = parallel_map(
                job_pool,
                lambda job: self._read_job_and_report(job, groups.get(job, []), len(jobs)),
                jobs,
            )
        resources: dict[str, LiveResource] = {}
        for found in per_job:
            for resource in found:
                resources[resource.address] = resource
        return LiveState(self.stack, resources, tuple(sorted(self.unreadable)))

    def _read_job_and_report(
        self, job: str, tagged_groups: list[_Group], total: int
    ) -> list[LiveResource]:
        found = self._read_job(job, tagged_groups)
        with self.progress_lock:
            self.jobs_read += 1
            self._report(self.jobs_read, total)
        return found

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    # -- schedule groups ------------------------------------------------------------------

    def _stack_groups(self) -> dict[str, list[_Group]]:
        """This stack's groups by job: (name, ARN, tags), found by the stack tag.

        A job has one group, except after an apply that renamed it was interrupted: then the
        old one is still there, and must be found to be removed.
        """
        summaries: list[dict[str, Any]] = []
        paginator = self.clients.scheduler.get_paginator("list_schedule_groups")
        for page in paginator.paginate():
            summaries.extend(
                group
                for group in page["ScheduleGroups"]
                if group["Name"] != "default" and self._could_be_ours(group["Name"])
            )
        tags = parallel_map(self.pool, self._listed_group_tags, summaries)
        found: dict[str, list[_Group]] = {}
        for summary, group_tags in zip(summaries, tags, strict=True):
            if group_tags.get(TAG_STACK) == self.stack and TAG_JOB in group_tags:
                found.setdefault(group_tags[TAG_JOB], []).append(
                    (summary["Name"], summary["Arn"], group_tags)
                )
        return found

    def _could_be_ours(self, name: str) -> bool:
        """Whether a group of this name may be this stack's, so that its tags must be read.

        Every group name of the naming standard holds ``-<stack>_``, unless it was shortened
        so far that the stack was cut too; then it ends in the hash of the full name. Reading
        only these keeps plan within permissions scoped to the stack's names.
        """
        return f"-{self.stack}_" in name or _SHORTENED_NAME.search(name) is not None

    def _listed_group_tags(self, group: Mapping[str, Any]) -> dict[str, str]:
        """A listed group's tags; none, and a note, if this plan may not read them."""
        try:
            return self._scheduler_tags(group["Arn"])
        except ClientError as error:
            if error_code(error) not in _ACCESS_DENIED_CODES:
                raise
            self.unreadable.append(
                f"schedule group {group['Name']}: its tags could not be read "
                f"({error_code(error)}), so it is taken as not this stack's; if it is, grant "
                "scheduler:ListTagsForResource on it."
            )
            return {}

    def _scheduler_tags(self, arn: str) -> dict[str, str]:
        try:
            response = self.clients.scheduler.list_tags_for_resource(ResourceArn=arn)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return {}
            raise
        return {tag["Key"]: tag["Value"] for tag in response.get("Tags", [])}

    def _read_group(self, job: str, name: str) -> _Group | None:
        try:
            group = self.clients.scheduler.get_schedule_group(Name=name)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise
        if group.get("State") == "DELETING":
            return None
        return name, group["Arn"], self._scheduler_tags(group["Arn"])

    # -- one job --------------------------------------------------------------------------

    def _read_job(self, job: str, tagged_groups: list[_Group]) -> list[LiveResource]:
        wanted = {
            (resource.type, resource.name): resource
            for resource in self.desired_by_job.get(job, [])
            if resource.type != SCHEDULE
        }
        found: list[LiveResource] = []

        group_resource = wanted.get((GROUP, "ecs"))
        group: _Group | None = None
        if group_resource is not None:
            group = next(
                (tagged for tagged in tagged_groups if tagged[0] == group_resource.aws_name),
                None,
            ) or self._read_group(job, group_resource.aws_name)
        if group is None and tagged_groups:
            group = tagged_groups[0]
        schedules: list[dict[str, Any]] = []
        if group is not None:
            name, arn, tags = group
            owned = is_owned(tags, self.stack, job)
            found.append(
                LiveResource(address(job, GROUP, "ecs"), job, GROUP, name, arn, {}, tags, owned)
            )
            if owned:
                schedules = self._schedules(name)
                found.extend(self._schedule_resources(job, name, schedules))

        # By its configured name first; failing that, by the name this job's schedules use
        # (a job whose names changed), then by the naming standard's suffixes on the group's
        # name (a job whose schedules an interrupted destroy already removed). Only the
        # configured name can collide: a resource found any other way counts only if ours.
        group_name = group[0] if group is not None else None
        role_policy = wanted.get((ROLE_POLICY, "scheduler"))
        roles: list[LiveResource] = []
        configured_role = self._name_of(wanted, ROLE, "scheduler")
        for role_name in _candidates(
            configured_role,
            _first_target_name(schedules, ("Target", "RoleArn")),
            f"{group_name}-scheduler" if group_name else None,
        ):
            roles = self._read_role(job, role_name, role_policy)
            if roles and (role_name == configured_role or roles[0].owned):
                break
            roles = []
        found.extend(roles)
        own_role = roles[0].arn if roles and roles[0].owned else None
        configured = {r.aws_name for r in self.desired_by_job.get(job, []) if r.type == SCHEDULE}
        found = [_schedule_owned(resource, own_role, configured, group_name) for resource in found]

        queue_name: str | None = None
        configured_queue = self._name_of(wanted, QUEUE, "dlq")
        for candidate in _candidates(
            configured_queue,
            _first_target_name(schedules, ("Target", "DeadLetterConfig", "Arn")),
            f"{group_name}-dlq" if group_name else None,
        ):
            queues = self._read_queue(job, candidate)
            if queues and (candidate == configured_queue or queues[0].owned):
                found.extend(queues)
                queue_name = candidate
                break
        found.extend(self._read_alarms(job, wanted, queue_name))
        seen = {(resource.type, resource.aws_name) for resource in found}
        for stray in tagged_groups:
            if group is None or stray[0] != group[0]:
                found.extend(self._read_stray_group(job, stray, seen))
        return found

    def _read_stray_group(
        self, job: str, group: _Group, seen: set[tuple[ResourceType, str]]
    ) -> list[LiveResource]:
        """A second group of a job, and what its schedules use: all of it to be removed.

        Its resources are keyed by the group's name, so that their addresses stay apart from
        the job's current ones.
        """
        name, arn, tags = group
        if not is_owned(tags, self.stack, job):
            return []
        schedules = self._schedules(name)
        found = [
            _rekeyed(
                LiveResource(address(job, GROUP, "ecs"), job, GROUP, name, arn, {}, tags), name
            )
        ]
        found.extend(
            _rekeyed(schedule, f"{name}/{schedule.aws_name}")
            for schedule in self._schedule_resources(job, name, schedules)
        )
        for role_name in _candidates(
            _first_target_name(schedules, ("Target", "RoleArn")), f"{name}-scheduler"
        ):
            roles = [] if (ROLE, role_name) in seen else self._read_role(job, role_name, None)
            if roles and roles[0].owned:
                found.extend(_rekeyed(resource, name) for resource in roles)
                found = [_schedule_owned(resource, roles[0].arn, set(), name) for resource in found]
                break
        queue_name: str | None = None
        for candidate in _candidates(
            _first_target_name(schedules, ("Target", "DeadLetterConfig", "Arn")), f"{name}-dlq"
        ):
            queues = [] if (QUEUE, candidate) in seen else self._read_queue(job, candidate)
            if queues and queues[0].owned:
                found.extend(_rekeyed(resource, name) for resource in queues)
                queue_name = candidate
                break
        if queue_name is not None:
            alarms = self._read_alarms(job, {}, queue_name)
            found.extend(
                _rekeyed(alarm, name) for alarm in alarms if (ALARM, alarm.aws_name) not in seen
            )
        seen.update((resource.type, resource.aws_name) for resource in found)
        return found

    @staticmethod
    def _name_of(
        wanted: Mapping[tuple[ResourceType, str], Resource], resource_type: ResourceType, name: str
    ) -> str | None:
        resource = wanted.get((resource_type, name))
        return resource.aws_name if resource is not None else None

    # -- schedules ------------------------------------------------------------------------

    def _schedules(self, group: str) -> list[dict[str, Any]]:
        names: list[str] = []
        paginator = self.clients.scheduler.get_paginator("list_schedules")
        for page in paginator.paginate(GroupName=group):
            names.extend(
                summary["Name"]
                for summary in page["Schedules"]
                if summary.get("GroupName", group) == group
            )
        details = parallel_map(self.pool, lambda name: self._get_schedule(group, name), names)
        return [detail for detail in details if detail is not None]

    def _get_schedule(self, group: str, name: str) -> dict[str, Any] | None:
        try:
            schedule: dict[str, Any] = self.clients.scheduler.get_schedule(
                GroupName=group, Name=name
            )
        except ClientError as error:
            # Deleted between the listing and now: a finished at() schedule, typically.
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise
        return schedule

    def _schedule_resources(
        self, job: str, group: str, schedules: list[dict[str, Any]]
    ) -> list[LiveResource]:
        desired_schedules = [
            resource for resource in self.desired_by_job.get(job, []) if resource.type == SCHEDULE
        ]
        address_by_name = {resource.aws_name: resource.address for resource in desired_schedules}
        keys = [resource.key for resource in desired_schedules if resource.key is not None]
        request_fields = _request_fields(self.clients.scheduler, "CreateSchedule")
        return [
            LiveResource(
                address=address_by_name.get(schedule["Name"])
                or address(
                    job, SCHEDULE, "ecs", self._schedule_key(job, group, schedule["Name"], keys)
                ),
                job=job,
                type=SCHEDULE,
                aws_name=schedule["Name"],
                arn=schedule["Arn"],
                properties={key: value for key, value in schedule.items() if key in request_fields},
            )
            for schedule in schedules
        ]

    def _schedule_key(self, job: str, group: str, name: str, keys: list[str]) -> str:
        """The config key of a live schedule whose name is not the one its job wants now.

        A job whose names changed still has its configured keys; a removed schedule has
        its key read from the name. When the name cannot tell (a shortened name may have
        lost part of its key), the schedule's AWS name stands in: unique, and honest.
        """
        key = schedule_key_of(name, group, self.stack, job, keys)
        return name if key is None else key

    # -- IAM ------------------------------------------------------------------------------

    def _read_role(self, job: str, name: str, policy: Resource | None) -> list[LiveResource]:
        iam = self.clients.iam
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                return []
            raise
        tags = {tag["Key"]: tag["Value"] for tag in role.get("Tags", [])}
        if "Tags" not in role:
            tags = {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=name)["Tags"]}
        owned = is_owned(tags, self.stack, job)
        attached = sorted(
            attached["PolicyArn"]
            for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
            for attached in page["AttachedPolicies"]
        )
        inline_names = [
            policy_name
            for page in iam.get_paginator("list_role_policies").paginate(RoleName=name)
            for policy_name in page["PolicyNames"]
        ]
        policy_name = policy.aws_name if policy is not None else None
        if policy_name is not None and policy_name not in inline_names:
            # The job's names changed: its policy, if any, still has the old one.
            policy_name = next(
                (other for other in inline_names if is_role_policy_name(other, self.stack, job)),
                policy_name,
            )
        properties: dict[str, Any] = {
            "Path": role.get("Path"),
            "AssumeRolePolicyDocument": _policy(role.get("AssumeRolePolicyDocument")),
            "Description": role.get("Description"),
            "MaxSessionDuration": role.get("MaxSessionDuration"),
            "PermissionsBoundary": role.get("PermissionsBoundary", {}).get(
                "PermissionsBoundaryArn"
            ),
            # Anything attached beyond the model's own inline policy widens the role: drift.
            "ManagedPolicyArns": attached,
            "OtherInlinePolicies": sorted(
                other for other in inline_names if policy_name is None or other != policy_name
            ),
        }
        role_address = address(job, ROLE, "scheduler")
        found = [LiveResource(role_address, job, ROLE, name, role["Arn"], properties, tags, owned)]
        own_policy_names = (
            [policy_name] if policy_name in inline_names else [] if policy_name else inline_names
        )
        for inline_name in [name for name in own_policy_names[:1] if name is not None]:
            document = iam.get_role_policy(RoleName=name, PolicyName=inline_name)
            found.append(
                LiveResource(
                    address(job, ROLE_POLICY, "scheduler"),
                    job,
                    ROLE_POLICY,
                    inline_name,
                    role["Arn"],
                    {"PolicyDocument": _policy(document["PolicyDocument"])},
                    owned=owned,
                )
            )
        return found

    # -- SQS ------------------------------------------------------------------------------

    def _read_queue(self, job: str, name: str) -> list[LiveResource]:
        sqs = self.clients.sqs
        try:
            url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
                "Attributes"
            ]
            tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        except ClientError as error:
            if error_code(error) in {
                "AWS.SimpleQueueService.NonExistentQueue",
                "QueueDoesNotExist",
            }:
                return []
            raise
        owned = is_owned(tags, self.stack, job)
        messages = sum(int(attributes.get(count, 0)) for count in QUEUE_MESSAGE_COUNTS)
        settable = {
            key: value for key, value in attributes.items() if key in SETTABLE_QUEUE_ATTRIBUTES
        }
        arn = attributes["QueueArn"]
        found = [
            LiveResource(
                address(job, QUEUE, "dlq"),
                job,
                QUEUE,
                name,
                arn,
                {"Attributes": settable},
                tags,
                owned,
                queue_url=url,
                queue_messages=messages,
            )
        ]
        if attributes.get("Policy"):
            found.append(
                LiveResource(
                    address(job, QUEUE_POLICY, "dlq"),
                    job,
                    QUEUE_POLICY,
                    name,
                    arn,
                    {"Policy": _policy(attributes["Policy"])},
                    owned=owned,
                    queue_url=url,
                )
            )
        return found

    # -- CloudWatch -----------------------------------------------------------------------

    def _read_alarms(
        self,
        job: str,
        wanted: Mapping[tuple[ResourceType, str], Resource],
        queue_name: str | None,
    ) -> list[LiveResource]:
        cloudwatch = self.clients.cloudwatch
        address_by_name = {
            resource.aws_name: resource.address
            for (resource_type, _), resource in wanted.items()
            if resource_type == ALARM
        }
        alarms: dict[str, dict[str, Any]] = {}
        if address_by_name:
            for page in cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNames=sorted(address_by_name), AlarmTypes=["MetricAlarm"]
            ):
                alarms.update({alarm["AlarmName"]: alarm for alarm in page["MetricAlarms"]})
        configured_queue = next(
            (resource.aws_name for (kind, _), resource in wanted.items() if kind == QUEUE), None
        )
        all_found_by_name = bool(address_by_name) and address_by_name.keys() <= alarms.keys()
        if queue_name and not (all_found_by_name and queue_name == configured_queue):
            # Alarms on this job's queue under other names: a job no longer configured, an
            # alarm the config has since turned off, or one whose name has changed.
            for metric in _ALARM_NAME_BY_METRIC:
                response = cloudwatch.describe_alarms_for_metric(
                    MetricName=metric,
                    Namespace="AWS/SQS",
                    Dimensions=[{"Name": "QueueName", "Value": queue_name}],
                )
                # moto ignores the Dimensions filter; AWS applies it. Filter either way.
                alarms.update(
                    {
                        alarm["AlarmName"]: alarm
                        for alarm in response["MetricAlarms"]
                        if {"Name": "QueueName", "Value": queue_name} in alarm.get("Dimensions", [])
                    }
                )
        request_fields = _request_fields(cloudwatch, "PutMetricAlarm")
        wanted_by_resource_name = {
            resource.name: resource for (kind, _), resource in wanted.items() if kind == ALARM
        }
        claimed = {address_by_name[name] for name in alarms if name in address_by_name}

        def place(name: str, resource_name: str) -> str:
            """The address of a live alarm: its configured one, else the one of its metric.

            An alarm under an old name (the job's names changed) takes the address of the
            alarm the config wants for its metric, so the plan shows one replacement there.
            Only a second alarm for one address (an interrupted rename) is keyed apart.
            """
            configured = address_by_name.get(name)
            if configured is not None:
                return configured
            renamed = wanted_by_resource_name.get(resource_name)
            real = renamed.address if renamed is not None else address(job, ALARM, resource_name)
            if real not in claimed:
                claimed.add(real)
                return real
            return address(job, ALARM, resource_name, name)

        found: list[LiveResource] = []
        for name, alarm in sorted(alarms.items()):
            tags = {
                tag["Key"]: tag["Value"]
                for tag in cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
            }
            owned = is_owned(tags, self.stack, job)
            if name not in address_by_name and not owned:
                continue  # someone else's alarm on our queue: not ours to report or remove
            resource_name = _ALARM_NAME_BY_METRIC.get(alarm.get("MetricName", ""), name)
            found.append(
                LiveResource(
                    place(name, resource_name),
                    job,
                    ALARM,
                    name,
                    alarm["AlarmArn"],
                    {key: value for key, value in alarm.items() if key in request_fields},
                    tags,
                    owned,
                )
            )
        return found


def _request_fields(client: Any, operation: str) -> frozenset[str]:
    shape = client.meta.service_model.operation_model(operation).input_shape
    return frozenset(shape.members)


def _policy(document: Any) -> Any:
    return json.loads(document) if isinstance(document, str) else document


def _first_target_name(schedules: list[dict[str, Any]], path: tuple[str, ...]) -> str | None:
    """The resource name at the end of an ARN found at ``path`` in the first schedule."""
    for schedule in schedules:
        value: Any = schedule
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value:
            return value.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return None


def _schedule_owned(
    resource: LiveResource, role_arn: str | None, configured: set[str], group: str | None
) -> LiveResource:
    """A schedule, owned if it is this job's by its name or runs as the job's own role.

    Schedules carry no tags. Every schedule this stack makes is named like its group (the
    primary) or ``<group>_<key>``, unless shortened, and runs as its job's role; one that
    does neither was put into the group by someone else and is left alone.
    """
    if resource.type != SCHEDULE:
        return resource
    name = resource.aws_name
    runs_as = resource.properties.get("Target", {}).get("RoleArn")
    owned = (
        name in configured
        or (group is not None and (name == group or name.startswith(f"{group}_")))
        or (role_arn is not None and runs_as == role_arn)
    )
    return dataclasses.replace(resource, owned=owned)


def _candidates(*names: str | None) -> list[str]:
    return list(dict.fromkeys(name for name in names if name))


def _rekeyed(resource: LiveResource, key: str) -> LiveResource:
    unkeyed = resource.address.split("[", 1)[0]
    return dataclasses.replace(resource, address=f"{unkeyed}[{json.dumps(key)}]")
