"""The rules across fields of one job: those the JSON Schema cannot carry.

Each rule reads the job's raw (merged) values and looks only at values of the right type
and shape: a value wrong on its own is already reported by the model (pydantic), and
reporting it twice would bury the real message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from ecs_scheduler.config import (
    ARN_WITHOUT_WILDCARDS_PATTERN,
    CLUSTER_NAME_PATTERN,
    SCHEDULE_EXPRESSION_MAX_LENGTH,
    Arn,
    TagKeyText,
    TagValueText,
    parse_arn,
)
from ecs_scheduler.config_messages import Loc, PointAt, Problem, show
from ecs_scheduler.expressions import (
    FIRST_YEAR,
    LAST_YEAR,
    AtExpression,
    Expression,
    ExpressionError,
    first_fire_time,
    load_timezone,
    never_fires_reason,
    parse,
)

MAX_TAGS = 50
# Tags ecs-scheduler puts on every resource itself; a user tag may not shadow them.
OWN_TAG_KEYS = frozenset(
    {"ResourceOwner", "BillingEntity", "BillingDomain", "SecurityDomain", "ManagedBy"}
)
OWN_TAG_PREFIX = "ecs-scheduler:"

_CLUSTER_RESOURCE = re.compile(r"^cluster/(?P<name>[A-Za-z0-9_-]{1,255})$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
_KMS_RESOURCE = re.compile(
    r"^(?:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
    r"|alias/[A-Za-z0-9/_-]{1,250})$"
)
_ROLE_RESOURCE = re.compile(r"^role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}$")
_POLICY_RESOURCE = re.compile(r"^policy/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,128}$")
_TOPIC_RESOURCE = re.compile(r"^[A-Za-z0-9_-]{1,256}(?:\.fifo)?$")
# Scheduler: schedule/<group>/<name>, names of 1-64 [0-9a-zA-Z-_.] (botocore scheduler
# ScheduleGroupName, Name). EventBridge: rule/<name> on the default bus, rule/<bus>/<name>
# otherwise; rule names are 1-64 [.\-_A-Za-z0-9], bus names 1-256 [/\.\-_A-Za-z0-9] (botocore
# events RuleName, EventBusName; EventBridge User Guide, "Amazon EventBridge ARN formats").
_REPLACEABLE = {
    "scheduler": re.compile(r"^schedule/[0-9A-Za-z_.-]{1,64}/[0-9A-Za-z_.-]{1,64}$"),
    "events": re.compile(r"^rule/(?:[A-Za-z0-9/._-]{1,256}/)?[A-Za-z0-9._-]{1,64}$"),
}
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_TAG_KEY: TypeAdapter[str] = TypeAdapter(TagKeyText)
_TAG_VALUE: TypeAdapter[str] = TypeAdapter(TagValueText)
_AWARE_DATETIME: TypeAdapter[datetime] = TypeAdapter(AwareDatetime)


@dataclass(frozen=True)
class _Cluster:
    arn: str
    partition: str
    region: str
    account: str


@dataclass
class JobRules:
    """The rules across fields of one job, on its raw (merged) values.

    Each rule looks only at values of the right type: a value of the wrong type is already
    reported by pydantic, and reporting it twice would bury the real message.
    """

    job: dict[str, Any]
    now: datetime
    found: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # A date that is wrong on its own leaves no window to check the schedules against.
    unusable_dates: bool = False

    def check(self) -> list[Problem]:
        cluster = self._cluster()
        self._arns(cluster)
        self._network()
        self._launch_type()
        self._capacity_provider_bases()
        self._placement()
        self._schedules()
        for name, budget in (("tags", MAX_TAGS - len(OWN_TAG_KEYS) - 2), ("task_tags", MAX_TAGS)):
            self._tags(name, budget)
        return self.found

    def add(
        self, loc: Loc, message: str, point_at: PointAt = "value", *, across_fields: bool = False
    ) -> None:
        """Record a problem; ``across_fields`` when it comes from comparing several fields."""
        self.found.append(Problem(loc, message, point_at, about_job=across_fields))

    # ----------------------------------------------------------------------- ARNs

    def _cluster(self) -> _Cluster | None:
        text = self.job.get("ecs_cluster_arn")
        if not isinstance(text, str) or _has_wildcard(text):
            return None  # a wildcard is reported by pydantic
        arn = parse_arn(text)
        resource = _CLUSTER_RESOURCE.fullmatch(arn.resource) if arn else None
        if (
            arn is None
            or resource is None
            or arn.service != "ecs"
            or _REGION.fullmatch(arn.region) is None
            or not arn.account.isdigit()
        ):
            self.add(
                ("ecs_cluster_arn",),
                f"{text!r} is not an ECS cluster ARN "
                "(arn:<partition>:ecs:<region>:<12-digit account>:cluster/<name>)",
            )
            return None
        name = self.job.get("cluster_name")
        if (
            isinstance(name, str)
            and re.fullmatch(CLUSTER_NAME_PATTERN, name) is not None
            and name != resource["name"]
        ):
            self.add(
                ("cluster_name",),
                f"{name!r} does not match the cluster of ecs_cluster_arn ({resource['name']!r})",
                across_fields=True,
            )
        return _Cluster(text, arn.partition, arn.region, arn.account)

    def _arns(self, cluster: _Cluster | None) -> None:
        self._arn(("kms_key_arn",), "kms", _KMS_RESOURCE, "a KMS key or alias ARN", cluster)
        for name in ("task_role_arn", "execution_role_arn"):
            self._arn((name,), "iam", _ROLE_RESOURCE, "an IAM role ARN", cluster)
        self._arn(
            ("permissions_boundary_arn",), "iam", _POLICY_RESOURCE, "an IAM policy ARN", cluster
        )
        for name in ("dlq_alarm_actions", "dlq_ok_actions"):
            items = self.job.get(name)
            for index, _ in enumerate(items if isinstance(items, list) else ()):
                self._arn((name, index), "sns", _TOPIC_RESOURCE, "an SNS topic ARN", cluster)
        for loc in self._overrides():
            for name in ("taskRoleArn", "executionRoleArn"):
                self._arn((*loc, name), "iam", _ROLE_RESOURCE, "an IAM role ARN", cluster)
        replaces = self.job.get("replaces")
        for index, text in enumerate(replaces if isinstance(replaces, list) else ()):
            # Each names its own service: a Scheduler schedule or an EventBridge rule.
            parsed = parse_arn(text) if isinstance(text, str) else None
            service = parsed.service if parsed and parsed.service in _REPLACEABLE else "scheduler"
            self._arn(
                ("replaces", index),
                service,
                _REPLACEABLE[service],
                "an EventBridge Scheduler schedule ARN "
                "(arn:<partition>:scheduler:<region>:<account>:schedule/<group>/<name>) or an "
                "EventBridge rule ARN "
                "(arn:<partition>:events:<region>:<account>:rule/[<bus>/]<name>)",
                cluster,
            )

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

    def _arn(
        self,
        loc: Loc,
        service: str,
        resource: re.Pattern[str],
        what: str,
        cluster: _Cluster | None,
    ) -> None:
        text = self._value(loc)
        if not isinstance(text, str) or _has_wildcard(text):
            return  # a wildcard is reported by pydantic
        arn = parse_arn(text)
        regional = service != "iam"
        # Only AWS managed policies live in the pseudo-account "aws".
        account_ok = arn is not None and (
            arn.account.isdigit() or (arn.account == "aws" and resource is _POLICY_RESOURCE)
        )
        if (
            arn is None
            or not account_ok
            or arn.service != service
            or resource.fullmatch(arn.resource) is None
            or (_REGION.fullmatch(arn.region) is None if regional else arn.region != "")
        ):
            self.add(loc, f"{text!r} is not {what}")
            return
        if cluster is not None:
            disagreement = _disagreement(arn, cluster, regional)
            if disagreement:
                self.add(loc, f"{text!r} {disagreement}", across_fields=True)

    # ----------------------------------------------------------------------- network, launch type

    def _network(self) -> None:
        for name, pattern, what in (
            ("trusted_compute_subnets", _SUBNET_ID, "subnet id (subnet-<8-17 hex digits>)"),
            (
                "security_group_ids",
                _SECURITY_GROUP_ID,
                "security group id (sg-<8-17 hex digits>)",
            ),
        ):
            items = self.job.get(name)
            seen: dict[str, int] = {}
            for index, item in enumerate(items if isinstance(items, list) else ()):
                if not isinstance(item, str):
                    continue
                if pattern.fullmatch(item) is None:
                    self.add((name, index), f"{item!r} is not a {what}")
                elif item in seen:
                    self.add((name, index), f"duplicate {item!r} (also item {seen[item]})")
                else:
                    seen[item] = index

    def _launch_type(self) -> None:
        launch_type = self.job.get("launch_type")
        strategy = self.job.get("capacity_provider_strategy")
        if launch_type is not None and isinstance(strategy, list) and strategy:
            self.add(
                ("capacity_provider_strategy",),
                f"cannot be combined with launch_type ({launch_type}): set one or the other",
                across_fields=True,
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
                    across_fields=True,
                )
            if self.job.get("assign_public_ip") is True:
                self.add(
                    ("assign_public_ip",),
                    f"true needs FARGATE; this job's {how}",
                    across_fields=True,
                )
        if effective != "EC2":
            for name in ("placement_constraints", "placement_strategy"):
                value = self.job.get(name)
                if isinstance(value, list) and value:
                    self.add((name,), f"applies only to EC2; this job's {how}", across_fields=True)

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
                )

    def _placement(self) -> None:
        strategies = self.job.get("placement_strategy")
        for index, item in enumerate(strategies if isinstance(strategies, list) else ()):
            if not isinstance(item, dict):
                continue
            kind, by = item.get("type"), item.get("field")
            if kind == "random" and by is not None:
                self.add(("placement_strategy", index, "field"), "random placement takes no field")
            elif kind == "spread" and by is None:
                self.add(
                    ("placement_strategy", index),
                    "spread placement needs a field, e.g. attribute:ecs.availability-zone",
                )
            elif kind == "binpack" and by not in ("cpu", "memory"):
                self.add(
                    ("placement_strategy", index, "field" if by is not None else "type"),
                    "binpack placement needs field cpu or memory",
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
                )
            elif kind == "distinctInstance" and expression is not None:
                self.add(
                    ("placement_constraints", index, "expression"),
                    "distinctInstance takes no expression",
                )

    # ----------------------------------------------------------------------- schedules

    def _additional(self) -> Iterator[tuple[int, dict[str, Any]]]:
        schedules = self.job.get("additional_schedules")
        for index, schedule in enumerate(schedules if isinstance(schedules, list) else ()):
            if isinstance(schedule, dict):
                yield index, schedule

    def _schedules(self) -> None:
        job_timezone = self._timezone(("timezone",), self.job.get("timezone", "UTC"))
        job_start = self._date(("start_date",))
        job_end = self._date(("end_date",))
        self._schedule((), self.job, job_timezone, job_start, job_end, own_dates=True)
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
                    )
                else:
                    names[name] = index
            timezone = (
                self._timezone((*loc, "timezone"), schedule["timezone"])
                if schedule.get("timezone") is not None
                else job_timezone
            )
            own_start = schedule.get("start_date") is not None
            own_end = schedule.get("end_date") is not None
            start = self._date((*loc, "start_date")) if own_start else job_start
            end = self._date((*loc, "end_date")) if own_end else job_end
            self._schedule(loc, schedule, timezone, start, end, own_dates=own_start or own_end)

    def _timezone(self, loc: Loc, name: Any) -> str | None:
        if not isinstance(name, str):
            return None
        try:
            load_timezone(name)
        except ExpressionError as error:
            self.add(loc, str(error))
            return None
        return name

    def _date(self, loc: Loc) -> datetime | None:
        value = self._value(loc)
        if value is None:
            return None
        try:
            moment = _AWARE_DATETIME.validate_python(value)
        except ValidationError:
            self.unusable_dates = True  # reported by pydantic
            return None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            self.add(loc, f"{moment.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
            self.unusable_dates = True
            return None
        return moment

    def _schedule(
        self,
        loc: Loc,
        schedule: dict[str, Any],
        timezone: str | None,
        start: datetime | None,
        end: datetime | None,
        *,
        own_dates: bool,
    ) -> None:
        text = schedule.get("schedule_expression")
        if not isinstance(text, str):
            return
        try:
            expression: Expression = parse(text)
        except ExpressionError as error:
            self.add((*loc, "schedule_expression"), str(error))
            return
        if len(text) > SCHEDULE_EXPRESSION_MAX_LENGTH:
            self.add(
                (*loc, "schedule_expression"),
                f"is {len(text)} characters long; Scheduler takes at most "
                f"{SCHEDULE_EXPRESSION_MAX_LENGTH}",
            )
            return
        if isinstance(expression, AtExpression):
            # Such an at() never fires; say why rather than only that it never fires.
            if not FIRST_YEAR <= expression.at.year <= LAST_YEAR:
                self.add(
                    (*loc, "schedule_expression"),
                    f"at(): the year must be between {FIRST_YEAR} and {LAST_YEAR}",
                )
                return
            for name in ("start_date", "end_date"):
                if schedule.get(name) is not None:
                    self.add(
                        (*loc, name),
                        "cannot be used with at(): a one-time schedule fires once, at its own time",
                        across_fields=True,
                    )
            start = end = None
        elif start is not None and end is not None and start >= end:
            if own_dates:
                self.add(
                    (*loc, "end_date" if schedule.get("end_date") is not None else "start_date"),
                    f"end_date {end.isoformat()} is not after start_date {start.isoformat()}",
                    across_fields=True,
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
                across_fields=bool(window),
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

    # ----------------------------------------------------------------------- tags

    def _tags(self, name: str, budget: int) -> None:
        tags = self.job.get(name)
        if not isinstance(tags, dict):
            return
        if len(tags) > budget:
            self.add((name,), f"has {len(tags)} tags; at most {budget} allowed")
        # IAM tag keys are not case sensitive ("you can't have separate Department and
        # department tag keys", IAM User Guide, Tagging IAM resources): the user's tags go on
        # the role; ECS task tags do not, and ECS keeps keys of different case apart.
        on_role = name == "tags"
        own_keys = {own.lower() for own in OWN_TAG_KEYS}
        seen: dict[str, str] = {}
        for key, value in tags.items():
            loc: Loc = (name, key)
            folded = key.lower()
            if folded.startswith("aws:"):
                self.add(loc, "the tag key prefix 'aws:' is reserved by AWS", "key")
            elif key.startswith(OWN_TAG_PREFIX) or key in OWN_TAG_KEYS:
                self.add(loc, "this tag key is set by ecs-scheduler itself", "key")
            elif on_role and (folded.startswith(OWN_TAG_PREFIX) or folded in own_keys):
                self.add(
                    loc,
                    "differs only in letter case from a tag key ecs-scheduler sets itself;"
                    " IAM tag keys ignore case",
                    "key",
                )
            elif not _fits(_TAG_KEY, key):
                self.add(
                    loc,
                    "a tag key must be 1-128 letters, digits, spaces or _ . : / = + - @",
                    "key",
                )
            elif on_role and folded in seen:
                self.add(
                    loc,
                    f"differs only in letter case from tag key {seen[folded]!r};"
                    " IAM tag keys ignore case",
                    "key",
                )
            seen.setdefault(folded, key)
            if isinstance(value, str) and not _fits(_TAG_VALUE, value):
                self.add(
                    loc,
                    f"{show(value)}: a tag value must be 1-256 letters, digits, spaces "
                    "or _ . : / = + - @ (Scheduler and SQS refuse an empty value)",
                )


def _fits(adapter: TypeAdapter[str], text: str) -> bool:
    try:
        adapter.validate_python(text)
    except ValidationError:
        return False
    return True


def _has_wildcard(text: str) -> bool:
    return re.fullmatch(ARN_WITHOUT_WILDCARDS_PATTERN, text) is None


def _disagreement(arn: Arn, cluster: _Cluster, regional: bool) -> str | None:
    if arn.partition != cluster.partition:
        return f"is in partition {arn.partition}, but ecs_cluster_arn is in {cluster.partition}"
    if arn.account not in (cluster.account, "aws"):
        return f"is in account {arn.account}, but ecs_cluster_arn is in account {cluster.account}"
    if regional and arn.region != cluster.region:
        return f"is in region {arn.region}, but ecs_cluster_arn is in region {cluster.region}"
    return None
