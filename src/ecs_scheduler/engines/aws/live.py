"""The live state of a stack, read from AWS into the request shape the model uses.

Nothing here decides anything: it reports what exists, its tags, whether this stack owns it,
and facts a plan needs (a queue's URL and message count). Live resources are keyed by the
address their job's desired resource has; resources of a job that is no longer configured
get the addresses the model would give them.

This module discovers a job's resources (which names to try, and what makes them ours); how
each kind is read is its service module's (``scheduler``, ``iam``, ``sqs``, ``cloudwatch``,
``events``). A kind whose name the job's schedule group records is found the same way
whatever it is: its service module describes it in a ``RecordedKind`` (``registry.RECORDED``),
so such a kind is added without touching this module.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ecs_scheduler.engines.aws import cloudwatch, scheduler
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.errors import AwsEngineError
from ecs_scheduler.engines.aws.registry import RECORDED
from ecs_scheduler.engines.aws.scheduler import Group, ScheduleGroups
from ecs_scheduler.engines.aws.service import (
    ALARM,
    GROUP,
    QUEUE,
    QUEUE_POLICY,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    LiveResource,
    RecordedKind,
    Wanted,
    error_code,
    is_owned,
    request_fields,
)
from ecs_scheduler.naming import (
    HASH_LENGTH,
    TAG_JOB,
    TAG_STACK,
    schedule_key_of,
)
from ecs_scheduler.resources import DesiredState, Resource, ResourceType, address

# The kinds and the live resource are the service modules'; the rest of the engine reads
# them from here, beside the live state.
__all__ = [
    "ALARM",
    "GROUP",
    "QUEUE",
    "QUEUE_POLICY",
    "ROLE",
    "ROLE_POLICY",
    "SCHEDULE",
    "LiveResource",
    "LiveState",
    "ReadProgress",
    "error_code",
    "is_owned",
    "parallel_map",
    "read_live_state",
]

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_JOB_READERS = 4
# A name the naming standard shortened ends in "-" and 8 hex digits of a hash.
_SHORTENED_NAME = re.compile(rf"-[0-9a-f]{{{HASH_LENGTH}}}$")
_ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
# Called with (jobs read, jobs to read) as a read advances, once at its start with 0.
ReadProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class LiveState:
    stack: str
    resources: Mapping[str, LiveResource]  # by address
    unreadable: tuple[str, ...] = ()  # schedule groups whose tags could not be read, with why

    def of_job(self, job: str) -> list[LiveResource]:
        return [resource for resource in self.resources.values() if resource.job == job]


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
    schedule_groups: ScheduleGroups | None = None,
) -> LiveState:
    """Everything of ``desired.stack`` that exists, plus what collides with its names.

    ``pool`` runs single reads (a schedule, a group's tags); ``job_workers`` jobs are read at
    once, each on a thread of its own pool, since a job waits for its reads in ``pool``.
    ``progress`` hears of each job read, one call at a time; ``schedule_groups`` shares the
    listing of the account's groups with the preflight that came before.
    """
    groups = schedule_groups or ScheduleGroups(clients)
    reader = _Reader(desired, clients, pool, job_workers, progress, groups)
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
        progress: ReadProgress | None,
        schedule_groups: ScheduleGroups,
    ):
        self.schedule_groups = schedule_groups
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
        self, job: str, tagged_groups: list[Group], total: int
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

    def _stack_groups(self) -> dict[str, list[Group]]:
        """This stack's groups by job: (name, ARN, tags), found by the stack tag.

        A job has one group, except after an apply that renamed it was interrupted: then the
        old one is still there, and must be found to be removed.
        """
        summaries = [
            group for group in self.schedule_groups.created() if self._could_be_ours(group["Name"])
        ]
        tags = parallel_map(self.pool, self._listed_group_tags, summaries)
        found: dict[str, list[Group]] = {}
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
            return scheduler.group_tags(self.clients, group["Arn"])
        except ClientError as error:
            if error_code(error) not in _ACCESS_DENIED_CODES:
                raise
            self.unreadable.append(
                f"schedule group {group['Name']}: its tags could not be read "
                f"({error_code(error)}), so it is taken as not this stack's; if it is, grant "
                "scheduler:ListTagsForResource on it."
            )
            return {}

    # -- one job --------------------------------------------------------------------------

    def _read_job(self, job: str, tagged_groups: list[Group]) -> list[LiveResource]:
        wanted = {
            (resource.type, resource.name): resource
            for resource in self.desired_by_job.get(job, [])
            if resource.type != SCHEDULE
        }
        found: list[LiveResource] = []

        group_resource = wanted.get((GROUP, "ecs"))
        group: Group | None = None
        if group_resource is not None:
            group = next(
                (tagged for tagged in tagged_groups if tagged[0] == group_resource.aws_name),
                None,
            ) or scheduler.read_group(self.clients, group_resource.aws_name)
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
                schedules = scheduler.read_schedules(self.clients, self.pool, name)
                found.extend(self._schedule_resources(job, name, schedules))

        # The kinds the group records the names of (a role, a queue, a rule), each by its
        # configured name first; failing that, by the name this job's schedules use (a job
        # whose names changed), then by the name its group records (a job whose schedules an
        # interrupted destroy already removed, or that ran once and deleted itself). Only the
        # configured name can collide: a resource found any other way counts only if ours.
        by_kind = {
            recorded.type: self._read_recorded(job, recorded, wanted, schedules, group)
            for recorded in RECORDED
        }
        for resources in by_kind.values():
            found.extend(resources)
        roles, queues = by_kind.get(ROLE, []), by_kind.get(QUEUE, [])
        own_role = roles[0].arn if roles and roles[0].owned else None
        configured = {r.aws_name for r in self.desired_by_job.get(job, []) if r.type == SCHEDULE}
        group_name = group[0] if group is not None else None
        found = [_schedule_owned(resource, own_role, configured, group_name) for resource in found]
        # Alarms are found by their names and by the queue they watch.
        queue_name = queues[0].aws_name if queues else None
        found.extend(cloudwatch.read_alarms(self.clients, self.stack, job, wanted, queue_name))
        seen = {(resource.type, resource.aws_name) for resource in found}
        for stray in tagged_groups:
            if group is None or stray[0] != group[0]:
                found.extend(self._read_stray_group(job, stray, seen))
        return found

    def _read_recorded(
        self,
        job: str,
        recorded: RecordedKind,
        wanted: Wanted,
        schedules: list[dict[str, Any]],
        group: Group | None,
    ) -> list[LiveResource]:
        """The job's resource of a kind its group records (service.RecordedKind), and what
        lives inside it; nothing if none of its names finds one that may be reported."""
        configured = self._name_of(wanted, recorded.type, recorded.name)
        for candidate in _candidates(
            configured,
            _first_target_name(schedules, recorded.schedule_path),
            _recorded_name(group, recorded.recorded_by, recorded.legacy_suffix),
        ):
            found = recorded.read(self.clients, self.stack, job, candidate, wanted)
            if found and (candidate == configured or found[0].owned):
                return found
        return []

    def _read_stray_group(
        self, job: str, group: Group, seen: set[tuple[ResourceType, str]]
    ) -> list[LiveResource]:
        """A second group of a job, and what its schedules use: all of it to be removed.

        Its resources are keyed by the group's name, so that their addresses stay apart from
        the job's current ones. Only what is ours and not already found counts.
        """
        name, arn, tags = group
        if not is_owned(tags, self.stack, job):
            return []
        schedules = scheduler.read_schedules(self.clients, self.pool, name)
        found = [
            _rekeyed(
                LiveResource(address(job, GROUP, "ecs"), job, GROUP, name, arn, {}, tags), name
            )
        ]
        found.extend(
            _rekeyed(schedule, f"{name}/{schedule.aws_name}")
            for schedule in self._schedule_resources(job, name, schedules)
        )
        by_kind: dict[ResourceType, list[LiveResource]] = {}
        for recorded in RECORDED:
            for candidate in _candidates(
                _first_target_name(schedules, recorded.schedule_path),
                _recorded_name(group, recorded.recorded_by, recorded.legacy_suffix),
            ):
                if (recorded.type, candidate) in seen:
                    continue
                resources = recorded.read(self.clients, self.stack, job, candidate, {})
                if resources and resources[0].owned:
                    by_kind[recorded.type] = resources
                    found.extend(_stray(resource, name) for resource in resources)
                    break
        roles, queues = by_kind.get(ROLE, []), by_kind.get(QUEUE, [])
        if roles:
            found = [_schedule_owned(resource, roles[0].arn, set(), name) for resource in found]
        if queues:
            alarms = cloudwatch.read_alarms(self.clients, self.stack, job, {}, queues[0].aws_name)
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

    def _schedule_resources(
        self, job: str, group: str, schedules: list[dict[str, Any]]
    ) -> list[LiveResource]:
        desired_schedules = [
            resource for resource in self.desired_by_job.get(job, []) if resource.type == SCHEDULE
        ]
        address_by_name = {resource.aws_name: resource.address for resource in desired_schedules}
        keys = [resource.key for resource in desired_schedules if resource.key is not None]
        fields = request_fields(self.clients.scheduler, "CreateSchedule")
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
                properties={key: value for key, value in schedule.items() if key in fields},
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


def _first_target_name(schedules: list[dict[str, Any]], path: tuple[str, ...]) -> str | None:
    """The resource name at the end of an ARN found at ``path`` in the first schedule (none
    for no path: a kind the schedules do not name)."""
    if not path:
        return None
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


def _recorded_name(group: Group | None, tag: str, suffix: str) -> str | None:
    """The name of a job's role, queue or rule that its schedule group records in ``tag``.

    Groups made before the names were recorded lack the tag: for them alone the name is
    guessed as the group's name plus the naming standard's ``suffix``, which is wrong when
    fit() shortened one of the two names and not the other.
    """
    if group is None:
        return None
    name, _, tags = group
    return tags.get(tag) or f"{name}{suffix}"


def _candidates(*names: str | None) -> list[str]:
    return list(dict.fromkeys(name for name in names if name))


def _stray(resource: LiveResource, group: str) -> LiveResource:
    """A resource found through a stray ``group``, keyed by the group's name; one already
    keyed (a rule's target) by the group's name and its own."""
    keyed = resource.address.endswith("]")
    return _rekeyed(resource, f"{group}/{resource.aws_name}" if keyed else group)


def _rekeyed(resource: LiveResource, key: str) -> LiveResource:
    unkeyed = resource.address.split("[", 1)[0]
    return dataclasses.replace(resource, address=f"{unkeyed}[{json.dumps(key)}]")
