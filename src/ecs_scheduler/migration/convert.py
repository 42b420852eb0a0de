"""Source records (schedules and rules with an ECS target, as read from AWS) → a config.

The reading lives in ``engines/aws/importer.py``; this module only converts, so every rule of
the translation is tested without AWS. Each job of the result records the ARNs it replaces,
and the report lists, per job, the required fields nothing could supply and every value that
differs from its source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from ecs_scheduler.config import (
    INHERITED_SCHEDULE_FIELDS,
    NAME_PATTERN,
    Job,
    TaskOverrides,
    parse_arn,
)
from ecs_scheduler.expressions import ExpressionError, parse
from ecs_scheduler.naming import (
    TAG_BILLING_DOMAIN,
    TAG_BILLING_ENTITY,
    TAG_RESOURCE_OWNER,
    TAG_SECURITY_DOMAIN,
)

SourceKind = Literal["schedule", "rule"]

# The job fields a source's own tags can supply, by tag key.
FIELDS_FROM_TAGS: Mapping[str, str] = {
    TAG_RESOURCE_OWNER: "resource_owner",
    TAG_BILLING_ENTITY: "billing_entity",
    TAG_BILLING_DOMAIN: "billing_domain",
    TAG_SECURITY_DOMAIN: "security_domain",
}
REQUIRED_FIELDS: tuple[str, ...] = tuple(
    name for name, info in Job.model_fields.items() if info.is_required()
)
# What a target without a RetryPolicy gets. EventBridge rules: "By default, EventBridge
# retries sending the event for 24 hours and up to 185 times" (EventBridge User Guide,
# eb-rule-retry-policy.html). Scheduler: "Ranges from 0 to 185 (default)" and "from 60 to
# 86400 (default)" (Terraform AWS provider, aws_scheduler_schedule retry_policy; the same text
# in Pulumi's ScheduleTargetRetryPolicy), the bounds of the API's RetryPolicy.
SOURCE_DEFAULT_RETRY_ATTEMPTS = 185
SOURCE_DEFAULT_EVENT_AGE_SECONDS = 86400
_JOB_DEFAULTS = {name: info.default for name, info in Job.model_fields.items()}
_TASK_DEFINITION = re.compile(r"^task-definition/(?P<family>[A-Za-z0-9_-]+)(?::(?P<rev>\d+))?$")


@dataclass(frozen=True)
class Source:
    """One schedule, or one ECS target of a rule, as AWS returns it (API field names).

    ``target`` is the Scheduler ``Target`` or the EventBridge rule target: ``Arn`` (the
    cluster), ``EcsParameters``, ``Input``, ``RetryPolicy``, ``DeadLetterConfig``.
    """

    kind: SourceKind
    arn: str  # the schedule's or the rule's ARN (what replaces names)
    name: str
    expression: str
    timezone: str
    enabled: bool
    target: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    flexible_window_minutes: int | None = None
    action_after_completion: str | None = None
    other_targets: int = 0  # a rule's targets that do not start an ECS task


@dataclass(frozen=True)
class JobReport:
    """What import could not fill in, and what it wrote differently from the source."""

    replaces: tuple[str, ...]
    missing: tuple[str, ...]
    differences: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    config: dict[str, Any]  # the YAML document: stack, defaults, jobs
    jobs: Mapping[str, JobReport]
    skipped: tuple[str, ...]  # sources not converted, each with why

    @property
    def missing(self) -> dict[str, tuple[str, ...]]:
        """Per job, the required fields still missing (empty when the file validates)."""
        return {key: report.missing for key, report in self.jobs.items() if report.missing}


@dataclass
class _Converted:
    source: Source
    job_fields: dict[str, Any]  # shared by every schedule of the job
    schedule_fields: dict[str, Any]  # may differ per schedule
    differences: list[str]


def convert(
    sources: Iterable[Source], *, stack: str, defaults: Mapping[str, Any] | None = None
) -> ImportResult:
    """The config that runs ``sources``, with ``defaults`` (job fields) for the rest."""
    defaults = dict(defaults or {})
    skipped: list[str] = []
    groups: dict[str, list[_Converted]] = {}
    for source in sorted(sources, key=lambda s: (s.arn, json.dumps(s.target, sort_keys=True))):
        converted = _convert_one(source, skipped)
        if converted is not None:
            key = json.dumps(converted.job_fields, sort_keys=True, default=str)
            groups.setdefault(key, []).append(converted)
    jobs: dict[str, dict[str, Any]] = {}
    reports: dict[str, JobReport] = {}
    for group in groups.values():
        for members in _mergeable(group):
            key = _job_key(members[0].job_fields["task_name"], jobs)
            job, report = _job(members, defaults)
            jobs[key] = job
            reports[key] = report
    config: dict[str, Any] = {"stack": stack}
    if defaults:
        config["defaults"] = defaults
    config["jobs"] = jobs
    return ImportResult(config=config, jobs=reports, skipped=tuple(skipped))


def _convert_one(source: Source, skipped: list[str]) -> _Converted | None:
    target = source.target
    ecs: Mapping[str, Any] = target.get("EcsParameters") or {}
    cluster = parse_arn(str(target.get("Arn", "")))
    definition = parse_arn(str(ecs.get("TaskDefinitionArn", "")))
    family = _TASK_DEFINITION.fullmatch(definition.resource) if definition else None
    where = f"{source.kind} {source.arn}"
    if cluster is None or not cluster.resource.startswith("cluster/") or family is None:
        skipped.append(f"{where}: its target is not an ECS cluster with a task definition ARN.")
        return None
    for unsupported in ("InputPath", "InputTransformer"):
        if target.get(unsupported):
            skipped.append(
                f"{where}: its target builds the input from the event ({unsupported}); "
                "a schedule sends fixed overrides only. Convert it by hand."
            )
            return None
    try:
        parse(source.expression)
    except ExpressionError as error:
        skipped.append(f"{where}: {source.expression!r} cannot be read: {error}")
        return None
    differences: list[str] = []
    job_fields = _job_fields(source, ecs, cluster.resource, family, differences)
    schedule_fields = _schedule_fields(source, differences)
    return _Converted(source, job_fields, schedule_fields, differences)


def _job_fields(
    source: Source,
    ecs: Mapping[str, Any],
    cluster_resource: str,
    family: re.Match[str],
    differences: list[str],
) -> dict[str, Any]:
    target = source.target
    fields: dict[str, Any] = {
        "cluster_name": cluster_resource.removeprefix("cluster/"),
        "ecs_cluster_arn": target["Arn"],
        "task_name": family["family"],
    }
    if family["rev"] is not None:
        fields["task_definition_revision"] = int(family["rev"])
        differences.append(
            f"{source.arn}: pinned to revision {family['rev']} of {family['family']}, as the "
            "source is; remove task_definition_revision to follow the latest ACTIVE revision."
        )
    network = (ecs.get("NetworkConfiguration") or {}).get("awsvpcConfiguration") or {}
    if network.get("Subnets"):
        fields["trusted_compute_subnets"] = sorted(network["Subnets"])
    if network.get("SecurityGroups"):
        fields["security_group_ids"] = sorted(network["SecurityGroups"])
    if network.get("AssignPublicIp") == "ENABLED":
        fields["assign_public_ip"] = True
    strategy = ecs.get("CapacityProviderStrategy") or []
    if ecs.get("LaunchType"):
        fields["launch_type"] = ecs["LaunchType"]
    elif strategy:
        fields["capacity_provider_strategy"] = [
            {
                "capacity_provider": item["capacityProvider"],
                "weight": item.get("weight", 0),
                "base": item.get("base", 0),
            }
            for item in strategy
        ]
    else:
        differences.append(
            f"{source.arn}: sets neither launch type nor capacity providers (ECS then uses the "
            "cluster's default capacity provider strategy); imported as FARGATE, the default "
            "here: set launch_type or capacity_provider_strategy if that is wrong."
        )
    if ecs.get("PlatformVersion"):
        fields["platform_version"] = ecs["PlatformVersion"]
    if ecs.get("PlacementConstraints"):
        fields["placement_constraints"] = [
            {k: v for k, v in item.items() if k in ("type", "expression")}
            for item in ecs["PlacementConstraints"]
        ]
    if ecs.get("PlacementStrategy"):
        fields["placement_strategy"] = [
            {k: v for k, v in item.items() if k in ("type", "field")}
            for item in ecs["PlacementStrategy"]
        ]
    if ecs.get("PropagateTags") == "TASK_DEFINITION":
        fields["propagate_tags"] = True
    if ecs.get("EnableECSManagedTags"):
        fields["enable_ecs_managed_tags"] = True
    if ecs.get("EnableExecuteCommand"):
        fields["enable_execute_command"] = True
    task_tags = _task_tags(ecs.get("Tags") or [])
    if task_tags:
        fields["task_tags"] = task_tags
    for tag, name in FIELDS_FROM_TAGS.items():
        if source.tags.get(tag):
            fields[name] = source.tags[tag]
    for unused in ("Group", "ReferenceId"):
        if ecs.get(unused):
            differences.append(
                f"{source.arn}: EcsParameters.{unused} ({ecs[unused]!r}) has no config field "
                "and is dropped."
            )
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
    if dead_letter:
        differences.append(
            f"{source.arn}: its dead-letter queue {dead_letter} is not reused: the job gets "
            "its own encrypted queue; drain the old one after cut-over."
        )
    else:
        differences.append(
            f"{source.arn}: has no dead-letter queue; the job gets one, encrypted with "
            "kms_key_arn, and its alarms."
        )
    return fields


def _task_tags(tags: Sequence[Mapping[str, str]]) -> dict[str, str]:
    # Scheduler spells each tag {"<key>": "<value>"}; EventBridge rules {"Key":…, "Value":…}.
    found: dict[str, str] = {}
    for tag in tags:
        if set(tag) == {"Key", "Value"}:
            found[tag["Key"]] = tag["Value"]
        else:
            found.update(tag)
    return found


def _schedule_fields(source: Source, differences: list[str]) -> dict[str, Any]:
    target = source.target
    ecs: Mapping[str, Any] = target.get("EcsParameters") or {}
    fields: dict[str, Any] = {"schedule_expression": source.expression}
    if source.kind == "rule":
        # A rule's cron() is the same dialect as Scheduler's, read in UTC; its rate() insists
        # on a singular unit for 1 and a plural one above ("rate(1 minute)", "rate(5
        # minutes)": EventBridge User Guide, eb-rate-expressions.html), which Scheduler also
        # accepts, so the text is kept as it is. A rule's rate counts from when the rule was
        # created, a schedule's from when it is: the phase may differ.
        fields["timezone"] = "UTC"
        if source.expression.startswith("rate("):
            differences.append(
                f"{source.arn}: {source.expression} counts from when the new schedule is "
                "created, not from when the rule was: set start_date to keep the old phase."
            )
    elif source.timezone != "UTC":
        fields["timezone"] = source.timezone
    if not source.enabled:
        fields["enabled"] = False
    for name, value in (("start_date", source.start_date), ("end_date", source.end_date)):
        if value is not None:
            fields[name] = value.isoformat()
    if source.flexible_window_minutes:
        fields["flexible_time_window_minutes"] = source.flexible_window_minutes
    if source.description:
        fields["description"] = source.description
    if source.action_after_completion in ("NONE", "DELETE"):
        fields["action_after_completion"] = source.action_after_completion
    if ecs.get("TaskCount", 1) != 1:
        fields["task_count"] = ecs["TaskCount"]
    overrides = _overrides(source, differences)
    if overrides is not None:
        fields["overrides"] = overrides
    retry = target.get("RetryPolicy") or {}
    attempts = retry.get("MaximumRetryAttempts", SOURCE_DEFAULT_RETRY_ATTEMPTS)
    age = retry.get("MaximumEventAgeInSeconds", SOURCE_DEFAULT_EVENT_AGE_SECONDS)
    if "MaximumRetryAttempts" not in retry or "MaximumEventAgeInSeconds" not in retry:
        differences.append(
            f"{source.arn}: the source's default retry policy is made explicit: "
            f"{attempts} retries within {age} s."
        )
    fields["maximum_retry_attempts"] = attempts
    fields["maximum_event_age_in_seconds"] = age
    return fields


def _overrides(source: Source, differences: list[str]) -> dict[str, Any] | None:
    text = source.target.get("Input")
    if not text:
        return None
    try:
        value = json.loads(text)
        overrides = TaskOverrides.model_validate(value)
    except (ValueError, ValidationError) as error:
        first = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        differences.append(
            f"{source.arn}: its Input is not an ECS task override ({first}); it is left out: "
            f"write overrides by hand. The Input was: {text}"
        )
        return None
    converted = overrides.model_dump(mode="json", exclude_none=True)
    if converted != value:
        differences.append(f"{source.arn}: its Input is written as {overrides.as_json()}.")
    return converted


# An additional schedule inherits these from the job when it leaves them unset, so one that
# has none cannot follow a primary that has one: it becomes a job of its own. (Those with a
# default, such as the time zone, are compared as that default by _differing.)
_INHERITED_WHEN_UNSET = tuple(
    name for name in INHERITED_SCHEDULE_FIELDS if _JOB_DEFAULTS[name] is None
)


def _mergeable(group: list[_Converted]) -> list[list[_Converted]]:
    """``group`` (same task, cluster and network) split into jobs of one primary and the
    schedules that can be written as its additional schedules."""
    jobs: list[list[_Converted]] = []
    for member in group:
        for members in jobs:
            primary = members[0].schedule_fields
            if all(
                name not in primary or name in member.schedule_fields
                for name in _INHERITED_WHEN_UNSET
            ):
                members.append(member)
                break
        else:
            jobs.append([member])
    return jobs


def _job(
    members: list[_Converted], defaults: Mapping[str, Any]
) -> tuple[dict[str, Any], JobReport]:
    primary, *others = members
    job: dict[str, Any] = dict(primary.job_fields)
    job.update(primary.schedule_fields)
    if others:
        names: set[str] = set()
        job["additional_schedules"] = [
            {"name": _schedule_name(member.source.name, names), **_differing(member, primary)}
            for member in others
        ]
    for name, value in defaults.items():
        # A default would otherwise replace what the source leaves at the built-in default.
        if name in _SOURCE_FIELDS and name not in job and name in _JOB_DEFAULTS:
            job[name] = _builtin_default(name)
            if job[name] == value:
                del job[name]
    replaces = tuple(dict.fromkeys(member.source.arn for member in members))
    job["replaces"] = list(replaces)
    differences = [text for member in members for text in member.differences]
    for member in members:
        if member.source.other_targets:
            differences.append(
                f"{member.source.arn}: the rule has {member.source.other_targets} target(s) "
                "that start no ECS task, not imported; it can be disabled only when all of "
                "its targets are replaced."
            )
    missing = tuple(name for name in REQUIRED_FIELDS if name not in job and name not in defaults)
    return job, JobReport(replaces=replaces, missing=missing, differences=tuple(differences))


def _differing(member: _Converted, primary: _Converted) -> dict[str, Any]:
    """An additional schedule's fields: its expression and what differs from the primary's.

    A field the primary sets and this schedule leaves at its default is written explicitly,
    since an additional schedule otherwise inherits the job's value.
    """
    fields: dict[str, Any] = {"schedule_expression": member.schedule_fields["schedule_expression"]}
    for name in sorted(set(member.schedule_fields) | set(primary.schedule_fields)):
        if name == "schedule_expression":
            continue
        own = member.schedule_fields.get(name, _JOB_DEFAULTS.get(name))
        if own != primary.schedule_fields.get(name, _JOB_DEFAULTS.get(name)):
            fields[name] = own
    return fields


# Every job field a source determines (see _job_fields and _schedule_fields).
_SOURCE_FIELDS = frozenset(
    {
        "task_definition_revision",
        "assign_public_ip",
        "launch_type",
        "capacity_provider_strategy",
        "platform_version",
        "placement_constraints",
        "placement_strategy",
        "propagate_tags",
        "enable_ecs_managed_tags",
        "enable_execute_command",
        "task_tags",
        "timezone",
        "enabled",
        "start_date",
        "end_date",
        "flexible_time_window_minutes",
        "description",
        "action_after_completion",
        "task_count",
        "overrides",
    }
)


def _builtin_default(name: str) -> Any:
    info = Job.model_fields[name]
    return info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]


def _job_key(task_name: str, taken: Mapping[str, Any]) -> str:
    base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", task_name.lower())).strip("-") or "job"
    base = base[:32].rstrip("-") or "job"
    key, number = base, 1
    while key in taken:
        number += 1
        suffix = f"-{number}"
        key = base[: 32 - len(suffix)].rstrip("-") + suffix
    assert re.fullmatch(NAME_PATTERN, key)
    return key


def _schedule_name(name: str, taken: set[str]) -> str:
    key, number = name, 1
    while key in taken:
        number += 1
        key = f"{name[: 64 - len(str(number)) - 1]}-{number}"
    taken.add(key)
    return key


def render(result: ImportResult) -> str:
    """The config file: what import could not fill in and what it changed, as comments on
    top, then the YAML document."""
    lines = ["# Written by ecs-scheduler import: nothing in AWS was changed."]
    for key, report in result.jobs.items():
        if report.missing:
            lines.append(
                f"# {key}: missing, set them here or in --defaults: {', '.join(report.missing)}"
            )
        lines.extend(f"# {key}: {text}" for text in report.differences)
    lines.extend(f"# not imported: {text}" for text in result.skipped)
    body = yaml.safe_dump(result.config, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + body
