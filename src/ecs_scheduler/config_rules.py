"""The rules across fields of one job: those the JSON Schema cannot carry.

Every rule about one field is on the model (config.py). The rules here compare fields, or
the items of one field, and each is listed, by the name its problems carry, in
``config.RULES_THE_SCHEMA_CANNOT_CARRY`` (and so in the schema's descriptions). Each rule
reads the job's raw (merged) values and looks only at values the model accepts on their
own: a value wrong on its own is already reported by the model, and reporting it twice
would bury the real message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ecs_scheduler.config import (
    CLUSTER_NAME_PATTERN,
    INHERITED_SCHEDULE_FIELDS,
    EcsClusterArn,
    IamPolicyArn,
    IamRoleArn,
    KmsKeyArn,
    OffsetDateTime,
    ReplaceableArn,
    ScheduleExpressionText,
    SnsTopicArn,
    TimeZoneName,
    parse_arn,
)
from ecs_scheduler.config_messages import Loc, PointAt, Problem
from ecs_scheduler.expressions import (
    AtExpression,
    Expression,
    first_fire_time,
    fixed_offset_warning,
    never_fires_reason,
    parse,
)

# The values the model accepts on their own, to tell which ones the rules may compare.
_CLUSTER_ARN: TypeAdapter[str] = TypeAdapter(EcsClusterArn)
_KMS_KEY_ARN: TypeAdapter[str] = TypeAdapter(KmsKeyArn)
_ROLE_ARN: TypeAdapter[str] = TypeAdapter(IamRoleArn)
_POLICY_ARN: TypeAdapter[str] = TypeAdapter(IamPolicyArn)
_TOPIC_ARN: TypeAdapter[str] = TypeAdapter(SnsTopicArn)
_REPLACEABLE_ARN: TypeAdapter[str] = TypeAdapter(ReplaceableArn)
_EXPRESSION: TypeAdapter[str] = TypeAdapter(ScheduleExpressionText)
_TIME_ZONE: TypeAdapter[str] = TypeAdapter(TimeZoneName)
_DATE: TypeAdapter[datetime] = TypeAdapter(OffsetDateTime)
_TOPIC_LISTS = ("dlq_alarm_actions", "dlq_ok_actions", "task_failure_actions")


def _accepted(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


@dataclass(frozen=True)
class _Cluster:
    name: str
    partition: str
    region: str
    account: str


@dataclass
class JobRules:
    """The rules across fields of one job, on its raw (merged) values."""

    job: dict[str, Any]
    now: datetime
    found: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # A date that is wrong on its own leaves no window to check the schedules against.
    unusable_dates: bool = False

    def check(self) -> list[Problem]:
        cluster = self._cluster()
        if cluster is not None:
            self._arns(cluster)
        self._launch_type()
        self._capacity_provider_bases()
        self._placement()
        self._schedules()
        return self.found

    def add(
        self,
        loc: Loc,
        message: str,
        rule: str,
        point_at: PointAt = "value",
        *,
        about_job: bool = True,
    ) -> None:
        """Record a problem found by ``rule``; ``about_job`` when it comes from comparing
        several fields (reported at ``defaults:``, it names the job)."""
        self.found.append(Problem(loc, message, point_at, about_job=about_job, rule=rule))

    # ----------------------------------------------------------------------- ARNs

    def _cluster(self) -> _Cluster | None:
        text = self.job.get("ecs_cluster_arn")
        if not isinstance(text, str) or not _accepted(_CLUSTER_ARN, text):
            return None
        arn = parse_arn(text)
        if arn is None:
            return None
        cluster = _Cluster(
            arn.resource.removeprefix("cluster/"), arn.partition, arn.region, arn.account
        )
        name = self.job.get("cluster_name")
        if (
            isinstance(name, str)
            and re.fullmatch(CLUSTER_NAME_PATTERN, name) is not None
            and name != cluster.name
        ):
            self.add(
                ("cluster_name",),
                f"{name!r} does not match the cluster of ecs_cluster_arn ({cluster.name!r})",
                "cluster-name",
            )
        return cluster

    def _arns(self, cluster: _Cluster) -> None:
        self._agrees(("kms_key_arn",), _KMS_KEY_ARN, cluster)
        for name in ("task_role_arn", "execution_role_arn"):
            self._agrees((name,), _ROLE_ARN, cluster)
        self._agrees(("permissions_boundary_arn",), _POLICY_ARN, cluster)
        for name in _TOPIC_LISTS:
            items = self.job.get(name)
            for index, _ in enumerate(items if isinstance(items, list) else ()):
                self._agrees((name, index), _TOPIC_ARN, cluster)
        for loc in self._overrides():
            for name in ("taskRoleArn", "executionRoleArn"):
                self._agrees((*loc, name), _ROLE_ARN, cluster)
        replaces = self.job.get("replaces")
        for index, _ in enumerate(replaces if isinstance(replaces, list) else ()):
            self._agrees(("replaces", index), _REPLACEABLE_ARN, cluster)

    def _overrides(self) -> Iterator[Loc]:
        if isinstance(self.job.get("overrides"), dict):
            yield ("overrides",)
        for index, schedule in self._additional():
            if isinstance(schedule.get("overrides"), dict):
                yield ("additional_schedules", index, "overrides")

    def _value(self, loc: Loc) -> Any:
        value: Any = self.job
        for part in loc:
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and part < len(value) else None
            else:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    def _agrees(self, loc: Loc, adapter: TypeAdapter[str], cluster: _Cluster) -> None:
        text = self._value(loc)
        if not _accepted(adapter, text):
            return  # absent, or refused on its own by the model
        arn = parse_arn(text)
        assert arn is not None  # every ARN the model accepts parses
        if arn.partition != cluster.partition:
            why = f"is in partition {arn.partition}, but ecs_cluster_arn is in {cluster.partition}"
        elif arn.account not in (cluster.account, "aws"):
            why = (
                f"is in account {arn.account}, but ecs_cluster_arn is in account {cluster.account}"
            )
        elif arn.service != "iam" and arn.region != cluster.region:
            why = f"is in region {arn.region}, but ecs_cluster_arn is in region {cluster.region}"
        else:
            return
        self.add(loc, f"{text!r} {why}", "arn-agreement")

    # ----------------------------------------------------------------------- launch type

    def _launch_type(self) -> None:
        launch_type = self.job.get("launch_type")
        strategy = self.job.get("capacity_provider_strategy")
        if launch_type is not None and isinstance(strategy, list) and strategy:
            self.add(
                ("capacity_provider_strategy",),
                f"cannot be combined with launch_type ({launch_type}): set one or the other",
                "launch-type",
            )
            return
        if launch_type is None and isinstance(strategy, list) and strategy:
            return  # the capacity providers decide the launch type
        effective = launch_type if isinstance(launch_type, str) else "FARGATE"
        how = f"launch type is {effective}" + (" (the default)" if launch_type is None else "")
        if effective != "FARGATE":
            if self.job.get("platform_version") is not None:
                self.add(
                    ("platform_version",),
                    f"applies only to FARGATE; this job's {how}",
                    "launch-type",
                )
            if self.job.get("assign_public_ip") is True:
                self.add(
                    ("assign_public_ip",),
                    f"true needs FARGATE; this job's {how}",
                    "launch-type",
                )
        if effective != "EC2":
            for name in ("placement_constraints", "placement_strategy"):
                value = self.job.get(name)
                if isinstance(value, list) and value:
                    self.add((name,), f"applies only to EC2; this job's {how}", "launch-type")

    def _capacity_provider_bases(self) -> None:
        # "Only one capacity provider in a capacity provider strategy can have a base defined."
        strategy = self.job.get("capacity_provider_strategy")
        first: tuple[int, int] | None = None  # (index, base) of the first item with a base
        for index, item in enumerate(strategy if isinstance(strategy, list) else ()):
            base = item.get("base") if isinstance(item, dict) else None
            if not isinstance(base, int) or isinstance(base, bool) or base <= 0:
                continue
            if first is None:
                first = (index, base)
            else:
                self.add(
                    ("capacity_provider_strategy", index, "base"),
                    "only one capacity provider of a strategy may have a base above 0;"
                    f" item {first[0]} already has base {first[1]}",
                    "capacity-provider-base",
                    about_job=False,
                )

    def _placement(self) -> None:
        strategies = self.job.get("placement_strategy")
        for index, item in enumerate(strategies if isinstance(strategies, list) else ()):
            if not isinstance(item, dict):
                continue
            kind, by = item.get("type"), item.get("field")
            if kind == "random" and by is not None:
                self.add(
                    ("placement_strategy", index, "field"),
                    "random placement takes no field",
                    "placement",
                    about_job=False,
                )
            elif kind == "spread" and by is None:
                self.add(
                    ("placement_strategy", index),
                    "spread placement needs a field, e.g. attribute:ecs.availability-zone",
                    "placement",
                    about_job=False,
                )
            elif kind == "binpack" and by not in ("cpu", "memory"):
                self.add(
                    ("placement_strategy", index, "field" if by is not None else "type"),
                    "binpack placement needs field cpu or memory",
                    "placement",
                    about_job=False,
                )
        constraints = self.job.get("placement_constraints")
        for index, item in enumerate(constraints if isinstance(constraints, list) else ()):
            if not isinstance(item, dict):
                continue
            kind, expression = item.get("type"), item.get("expression")
            if kind == "memberOf" and expression is None:
                self.add(
                    ("placement_constraints", index, "type"),
                    "memberOf needs an expression, e.g. attribute:ecs.instance-type =~ m6i.*",
                    "placement",
                    about_job=False,
                )
            elif kind == "distinctInstance" and expression is not None:
                self.add(
                    ("placement_constraints", index, "expression"),
                    "distinctInstance takes no expression",
                    "placement",
                    about_job=False,
                )

    # ----------------------------------------------------------------------- schedules

    def _additional(self) -> Iterator[tuple[int, dict[str, Any]]]:
        schedules = self.job.get("additional_schedules")
        for index, schedule in enumerate(schedules if isinstance(schedules, list) else ()):
            if isinstance(schedule, dict):
                yield index, schedule

    def _schedules(self) -> None:
        primary = self._values((), self.job, None)
        self._schedule((), self.job, primary, own_dates=True)
        names: dict[str, int] = {}
        for index, schedule in self._additional():
            loc: Loc = ("additional_schedules", index)
            name = schedule.get("name")
            if isinstance(name, str):
                if name in names:
                    self.add(
                        (*loc, "name"),
                        f"duplicate schedule name {name!r} "
                        f"(also additional_schedules[{names[name]}])",
                        "schedule-names",
                        about_job=False,
                    )
                else:
                    names[name] = index
            own_dates = any(schedule.get(date) is not None for date in ("start_date", "end_date"))
            values = self._values(loc, schedule, primary)
            self._schedule(loc, schedule, values, own_dates=own_dates)

    def _values(
        self, loc: Loc, schedule: dict[str, Any], job: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The INHERITED_SCHEDULE_FIELDS of the job's primary schedule (``job`` is ``None``)
        or of an additional one, as the model resolves them: a schedule's own value where it
        sets one, else the job's. A time zone or date the model refuses reads ``None``."""
        values: dict[str, Any] = {}
        for name in INHERITED_SCHEDULE_FIELDS:
            own = schedule.get(name, "UTC" if name == "timezone" and job is None else None)
            if job is not None and own is None:
                values[name] = job[name]
            elif name == "timezone":
                values[name] = own if _accepted(_TIME_ZONE, own) else None
            elif name in ("start_date", "end_date"):
                values[name] = self._date((*loc, name), own)
            else:
                values[name] = own
        return values

    def _date(self, loc: Loc, value: Any) -> datetime | None:
        if value is None:
            return None
        try:
            return _DATE.validate_python(value)
        except ValidationError:
            self.unusable_dates = True  # reported by the model
            return None

    def _schedule(
        self, loc: Loc, schedule: dict[str, Any], values: dict[str, Any], *, own_dates: bool
    ) -> None:
        text = schedule.get("schedule_expression")
        if not isinstance(text, str) or not _accepted(_EXPRESSION, text):
            return  # absent, or refused on its own by the model
        expression: Expression = parse(text)
        timezone: str | None = values["timezone"]
        if timezone is not None and "timezone" in schedule:
            fixed = fixed_offset_warning(timezone, self.now.year)
            if fixed is not None:
                self.warnings.append(Problem((*loc, "timezone"), fixed, about_job=True))
        start: datetime | None = values["start_date"]
        end: datetime | None = values["end_date"]
        if isinstance(expression, AtExpression):
            for name in ("start_date", "end_date"):
                if schedule.get(name) is not None:
                    self.add(
                        (*loc, name),
                        "cannot be used with at(): a one-time schedule fires once, at its own time",
                        "one-time",
                    )
            start = end = None
        elif start is not None and end is not None and start >= end:
            if own_dates:
                self.add(
                    (*loc, "end_date" if schedule.get("end_date") is not None else "start_date"),
                    f"end_date {end.isoformat()} is not after start_date {start.isoformat()}",
                    "window",
                )
            return
        if timezone is None or self.unusable_dates:
            return
        # Validity does not depend on today's date; a schedule that is valid but over by now
        # is only worth a warning (the same file stays valid when read again later).
        first = first_fire_time(expression, timezone, start_date=start, end_date=end)
        upcoming = first_fire_time(
            expression, timezone, start_date=start, end_date=end, after=self.now
        )
        if first is None:
            window = " between its start_date and end_date" if start or end else ""
            self.add(
                (*loc, "schedule_expression"),
                f"{text} never fires{window}{never_fires_reason(expression, timezone)}",
                "fires",
                about_job=bool(window),
            )
        elif upcoming is None:
            instant = self.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.warnings.append(
                Problem(
                    (*loc, "schedule_expression"),
                    f"{text} will not fire again after {instant}",
                    about_job=True,
                )
            )
