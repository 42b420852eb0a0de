"""The typed config: one YAML file is one :class:`Stack` of :class:`Job` s (docs/config.md).

This module holds the models, every rule about one field (as annotated types, so that the
JSON Schema carries them), the ARN grammar and the JSON Schema of the file. ``loader.py``
turns a YAML file into a ``Stack``: it merges ``defaults:``, applies the rules across fields
(``config_rules.py``) and reports every error with file, line, column and field path. A ``Stack``
obtained from the loader is therefore valid as a whole, and the properties below (region,
account, resolved schedules) can be trusted without checking again.
"""

# No ``from __future__ import annotations``: pydantic would evaluate each of the models'
# field annotations from its text when the class is made, which took 2 ms of every start-up
# (benchmarks/startup.py).

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, partial
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import ErrorDetails, InitErrorDetails, core_schema

from ecs_scheduler.config_messages import RULE_ERROR, Loc, refusal, show
from ecs_scheduler.expressions import (
    FIRST_YEAR,
    LAST_YEAR,
    AtExpression,
    Expression,
    ExpressionError,
    describe,
    load_timezone,
    parse,
)

NAME_PATTERN = r"^[a-z0-9-]{1,32}$"
SCHEDULE_NAME_PATTERN = r"^[0-9A-Za-z_.-]+$"
TASK_FAMILY_PATTERN = r"^[A-Za-z0-9_-]+$"
# ECS task-level overrides are text: CPU units ("1024") or vCPUs ("0.5 vCPU"), and MiB
# ("2048") or GB ("2 GB"), the unit in any case. Anything else is only refused by ECS when
# the schedule fires, and the event ends in the dead-letter queue.
_POSITIVE_WHOLE = r"0*[1-9][0-9]*"
_POSITIVE_DECIMAL = r"(?:[1-9][0-9]*(?:\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*)"
TASK_CPU_PATTERN = rf"^(?:{_POSITIVE_WHOLE}|{_POSITIVE_DECIMAL} [vV][cC][pP][uU])$"
TASK_MEMORY_PATTERN = rf"^(?:{_POSITIVE_WHOLE}|{_POSITIVE_DECIMAL} [gG][bB])$"
DESCRIPTION_MAX_LENGTH = 512
# ECS CreateCluster: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and
# hyphens are allowed." The name also goes into the scheduler role's policy (task/<name>/*).
CLUSTER_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
# Every ARN of the config ends up in an IAM policy (iam:PassRole, kms:*, ecs:RunTask, the
# alarm's actions). IAM reads '*' and '?' in a policy's Resource as wildcards ("Including
# wildcards in resource ARNs", IAM User Guide, reference_policies_elements_resource.html),
# so 'role/*/admin' would let the scheduler pass every role named admin: no ARN may hold one.
ARN_WITHOUT_WILDCARDS_PATTERN = r"^[^*?]*$"
# Formats of the JSON Schema beyond the standard ones: a checker must look the value up.
TIME_ZONE_FORMAT = "iana-time-zone"
SCHEDULE_EXPRESSION_FORMAT = "eventbridge-scheduler-expression"
# EC2 resource ids: the prefix, then 8 (older) or 17 hex digits.
SUBNET_ID = r"subnet-[0-9a-f]{8,17}"
SECURITY_GROUP_ID = r"sg-[0-9a-f]{8,17}"

# The characters every service that receives our tags accepts. IAM is the strictest:
# tagKeyType/tagValueType are [\p{L}\p{Z}\p{N}_.:/=+\-@] (IAM API Reference, Tag; botocore
# iam service-2). SQS allows the same set ("Quotas related to queues", Queue tag); Scheduler
# (Tag) and CloudWatch (Tag) only bound the length. Scheduler's TagValue and SQS's tag value
# must not be empty (botocore scheduler TagValue min 1; SQS "Queue tag" quota).
TAG_TEXT_PATTERN = r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"
# JSON Schema tools (ECMA-262 without the u flag, Python's re) know no \p{...}. The schema
# carries a part of the rule that every reading of it keeps inside the rule: \w is
# [A-Za-z0-9_] to ECMA-262 and letters, digits and '_' to Python; the space is one \p{Z}.
# So what the schema accepts, the loader accepts; only some non-ASCII letters and spaces
# are accepted by the loader alone.
TAG_TEXT_SCHEMA_PATTERN = r"^[\w .:/=+@-]*$"
TAG_CHARACTERS = (
    "IAM and SQS tags allow only letters, digits, spaces and _ . : / = + - @"
    " (no '&', ',', '<', '>' or line breaks)"
)
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256
# Tags per resource: 50 is the smallest limit among the services tagged (IAM roles: "IAM and
# AWS STS quotas"; EventBridge rules: "Each resource can have a maximum of 50 tags",
# EventBridge User Guide, eb-tagging.html; Scheduler's TagResource takes up to 200).
MAX_TAGS = 50
# The tags ecs-scheduler puts on every resource itself; a user tag may not shadow them.
TAG_RESOURCE_OWNER: Final = "ResourceOwner"
TAG_BILLING_ENTITY: Final = "BillingEntity"
TAG_BILLING_DOMAIN: Final = "BillingDomain"
TAG_SECURITY_DOMAIN: Final = "SecurityDomain"
TAG_MANAGED_BY: Final = "ManagedBy"
OWN_TAG_PREFIX: Final = "ecs-scheduler:"
TAG_STACK: Final = f"{OWN_TAG_PREFIX}stack"
TAG_JOB: Final = f"{OWN_TAG_PREFIX}job"
RESERVED_TAG_KEYS: Final = frozenset(
    {
        TAG_RESOURCE_OWNER,
        TAG_BILLING_ENTITY,
        TAG_BILLING_DOMAIN,
        TAG_SECURITY_DOMAIN,
        TAG_MANAGED_BY,
        TAG_STACK,
        TAG_JOB,
    }
)
# ECS RunTask: "A total of 8192 characters are allowed for overrides. This limit includes the
# JSON formatting characters of the override structure." The overrides are the schedule
# target's Input, written as compact JSON.
OVERRIDES_MAX_JSON_LENGTH = 8192
# CloudWatch PutMetricAlarm: AlarmActions and OKActions hold at most 5 ARNs each. An
# EventBridge rule has at most 5 targets (EventBridge API Reference, PutTargets: "Each rule
# can have up to five (5) targets associated with it at one time"): task_failure_actions.
ALARM_ACTIONS_MAX = 5
# Scheduler CreateSchedule: ScheduleExpression is 1-256 characters; PlatformVersion 1-64.
SCHEDULE_EXPRESSION_MAX_LENGTH = 256
PLATFORM_VERSION_MAX_LENGTH = 64

# The rules the JSON Schema cannot carry: across fields, across the items of one field, or
# over a whole value. ``config_rules`` (and the model, for the last three) implement them;
# the schema's descriptions list them, and every problem they find carries the rule's name.
RULES_THE_SCHEMA_CANNOT_CARRY: Final[dict[str, str]] = {
    "required": "a job's required fields may come from defaults, so each job needs them in"
    " one place or the other",
    "cluster-name": "cluster_name is the cluster of ecs_cluster_arn",
    "arn-agreement": "every ARN is in the partition and account of ecs_cluster_arn, and in its"
    " region unless it is an IAM ARN",
    "launch-type": "launch_type and capacity_provider_strategy exclude each other;"
    " platform_version and assign_public_ip need FARGATE; placement_constraints and"
    " placement_strategy need EC2",
    "capacity-provider-base": "only one item of capacity_provider_strategy has a base above 0",
    "placement": "random placement takes no field, spread needs one, binpack needs cpu or"
    " memory; memberOf needs an expression, distinctInstance takes none",
    "schedule-names": "the names of additional_schedules are distinct",
    "one-time": "start_date and end_date cannot be used with at()",
    "window": "end_date is after start_date",
    "fires": "every schedule fires at least once, in its time zone and between its"
    " start_date and end_date",
    "security-group-id": "the deprecated security_group_id is added to security_group_ids,"
    " which then holds at most 5",
    "tag-case": "the keys of tags (which go on the IAM role) differ in more than letter case",
    "overrides-length": "the overrides are at most 8192 characters as compact JSON",
}


class _SaidBySchema:
    """Metadata of an annotated type whose keywords (a pattern, a format…) join its schema."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = dict(schema)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(self.schema)
        return json_schema


class Checked(_SaidBySchema):
    """A rule on one value, carried by the model and by its JSON Schema.

    ``check`` returns why the value is refused (the message shown, as written) or ``None``;
    ``schema`` is what the JSON Schema says of the value (a pattern, a format…). Put it after
    the constraints it relies on: it runs only on a value that met them.
    """

    def __init__(self, check: Callable[[Any], str | None], **schema: Any) -> None:
        super().__init__(schema)
        self.check = check

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._validate, handler(source))

    def _validate(self, value: Any) -> Any:
        problem = self.check(value)
        if problem is not None:
            raise refusal(problem)
        return value


class CheckedItems(_SaidBySchema):
    """A rule across the items of a list or mapping, carried by the model.

    ``check`` reads the value as written (any type) and yields, for each item it refuses, the
    item's location within the value (a mapping key ends in ``"[key]"``, as pydantic's own
    do), the message and the name of the rule. Its problems are reported together with those
    of the items themselves, so a file's every error is still shown at once.
    """

    def __init__(
        self, check: Callable[[Any], Iterable[tuple[Loc, str, str | None]]], **schema: Any
    ) -> None:
        super().__init__(schema)
        self.check = check

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_wrap_validator_function(self._validate, handler(source))

    def _validate(self, value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Any:
        details: list[InitErrorDetails] = []
        result: Any = None
        try:
            result = handler(value)
        except ValidationError as error:
            details = [_again(detail) for detail in error.errors()]
        for loc, message, rule in self.check(value):
            details.append({"type": refusal(message, rule=rule), "loc": loc, "input": value})
        if details:
            raise ValidationError.from_exception_data("CheckedItems", details)
        return result


def _again(detail: ErrorDetails) -> InitErrorDetails:
    """An item's error, to be raised again beside those of a rule across the items."""
    again: InitErrorDetails = {
        "type": detail["type"],
        "loc": detail["loc"],
        "input": detail["input"],
    }
    context = detail.get("ctx")
    if detail["type"] == RULE_ERROR and context is not None:
        again["type"] = refusal(context["message"], rule=context.get("rule"))
    elif context is not None:
        again["ctx"] = context
    return again


def _wildcard(text: str) -> str | None:
    if re.fullmatch(ARN_WITHOUT_WILDCARDS_PATTERN, text) is not None:
        return None
    return (
        f"{show(text)} holds a wildcard ('*' or '?'): it goes into an IAM policy, "
        "where it would match other resources; name exactly one"
    )


ExactArn = Annotated[
    str,
    Checked(
        _wildcard,
        pattern=ARN_WITHOUT_WILDCARDS_PATTERN,
        description="An ARN naming one resource: '*' and '?' are refused (IAM wildcards).",
    ),
]

# The parts of an ARN, written for both Python's re and ECMA-262 (the JSON Schema's patterns).
ARN_PARTITION = r"aws(?:-[a-z]+)*"
ARN_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}"
ARN_ACCOUNT = r"[0-9]{12}"
# Printable ASCII but the IAM wildcards (rejected first, by ExactArn).
_PATH_CHARACTER = r"[\x21-\x29\x2b-\x3e\x40-\x7e]"
# IAM role and policy names: [\w+=,.@-] (IAM API Reference, CreateRole RoleName, CreatePolicy
# PolicyName), where \w means ASCII letters, digits and '_'.
_IAM_NAME_CHARACTER = r"[A-Za-z0-9_+=,.@-]"


def _arn(service: str, resource: str, *, regional: bool = True, account: str = ARN_ACCOUNT) -> str:
    return rf"arn:{ARN_PARTITION}:{service}:{ARN_REGION if regional else ''}:{account}:{resource}"


ECS_CLUSTER_ARN_PATTERN = "^" + _arn("ecs", r"cluster/[A-Za-z0-9_-]{1,255}") + "$"
KMS_KEY_ARN_PATTERN = (
    "^"
    + _arn(
        "kms",
        r"(?:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"|mrk-[0-9a-f]{32})|alias/[A-Za-z0-9/_-]{1,250})",
    )
    + "$"
)
IAM_ROLE_ARN_PATTERN = (
    "^"
    + _arn("iam", rf"role/(?:{_PATH_CHARACTER}*/)?{_IAM_NAME_CHARACTER}{{1,64}}", regional=False)
    + "$"
)
# Only AWS managed policies live in the pseudo-account "aws".
IAM_POLICY_ARN_PATTERN = (
    "^"
    + _arn(
        "iam",
        rf"policy/(?:{_PATH_CHARACTER}*/)?{_IAM_NAME_CHARACTER}{{1,128}}",
        regional=False,
        account=rf"(?:{ARN_ACCOUNT}|aws)",
    )
    + "$"
)
SNS_TOPIC_ARN_PATTERN = "^" + _arn("sns", r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?") + "$"
# Scheduler: schedule/<group>/<name>, names of 1-64 [0-9a-zA-Z-_.] (botocore scheduler
# ScheduleGroupName, Name). EventBridge: rule/<name> on the default bus, rule/<bus>/<name>
# otherwise; rule names are 1-64 [.\-_A-Za-z0-9], bus names 1-256 [/\.\-_A-Za-z0-9] (botocore
# events RuleName, EventBusName; EventBridge User Guide, "Amazon EventBridge ARN formats").
REPLACEABLE_ARN_PATTERN = (
    "^(?:"
    + _arn("scheduler", r"schedule/[0-9A-Za-z_.-]{1,64}/[0-9A-Za-z_.-]{1,64}")
    + "|"
    + _arn("events", r"rule/(?:[A-Za-z0-9/._-]{1,256}/)?[A-Za-z0-9._-]{1,64}")
    + ")$"
)


def _shaped(pattern: str, what: str) -> Checked:
    """An ARN of one kind: refused, naming the kind, unless it matches ``pattern``."""

    def check(text: str) -> str | None:
        return None if re.fullmatch(pattern, text) else f"{text!r} is not {what}"

    # ExactArn's pattern stays: the shape is one more pattern the value must match.
    return Checked(check, allOf=[{"pattern": pattern}])


EcsClusterArn = Annotated[
    ExactArn,
    _shaped(
        ECS_CLUSTER_ARN_PATTERN,
        "an ECS cluster ARN (arn:<partition>:ecs:<region>:<12-digit account>:cluster/<name>)",
    ),
]
KmsKeyArn = Annotated[ExactArn, _shaped(KMS_KEY_ARN_PATTERN, "a KMS key or alias ARN")]
IamRoleArn = Annotated[ExactArn, _shaped(IAM_ROLE_ARN_PATTERN, "an IAM role ARN")]
IamPolicyArn = Annotated[ExactArn, _shaped(IAM_POLICY_ARN_PATTERN, "an IAM policy ARN")]
SnsTopicArn = Annotated[ExactArn, _shaped(SNS_TOPIC_ARN_PATTERN, "an SNS topic ARN")]
ReplaceableArn = Annotated[
    ExactArn,
    _shaped(
        REPLACEABLE_ARN_PATTERN,
        "an EventBridge Scheduler schedule ARN "
        "(arn:<partition>:scheduler:<region>:<account>:schedule/<group>/<name>) or an "
        "EventBridge rule ARN "
        "(arn:<partition>:events:<region>:<account>:rule/[<bus>/]<name>)",
    ),
]


def _distinct(items: Any) -> Iterator[tuple[Loc, str, str | None]]:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(item, str):
            continue
        if item in seen:
            yield (index,), f"duplicate {item!r} (also item {seen[item]})", None
        else:
            seen[item] = index


def _id_of(pattern: str, what: str) -> Checked:
    def check(text: str) -> str | None:
        return None if re.fullmatch(pattern, text) else f"{text!r} is not a {what}"

    return Checked(check, pattern=f"^{pattern}$")


SubnetId = Annotated[str, _id_of(SUBNET_ID, "subnet id (subnet-<8-17 hex digits>)")]
SecurityGroupId = Annotated[
    str, _id_of(SECURITY_GROUP_ID, "security group id (sg-<8-17 hex digits>)")
]
DistinctItems = CheckedItems(_distinct, uniqueItems=True)


# Pydantic's regular expressions know \p{...}; Python's re does not.
_TAG_TEXT: TypeAdapter[str] = TypeAdapter(Annotated[str, Field(pattern=TAG_TEXT_PATTERN)])
_RESERVED_FOLDED = frozenset(key.lower() for key in RESERVED_TAG_KEYS)


def _is_tag_text(text: str, max_length: int) -> bool:
    if not 1 <= len(text) <= max_length:
        return False
    try:
        _TAG_TEXT.validate_python(text)
    except ValidationError:
        return False
    return True


def _tag_key_problem(key: str, *, on_role: bool) -> str | None:
    # IAM tag keys are not case sensitive ("you can't have separate Department and
    # department tag keys", IAM User Guide, Tagging IAM resources): the user's tags go on
    # the role; ECS task tags do not, and ECS keeps keys of different case apart.
    folded = key.lower()
    if folded.startswith("aws:"):
        return "the tag key prefix 'aws:' is reserved by AWS"
    if key.startswith(OWN_TAG_PREFIX) or key in RESERVED_TAG_KEYS:
        return "this tag key is set by ecs-scheduler itself"
    if on_role and (folded.startswith(OWN_TAG_PREFIX) or folded in _RESERVED_FOLDED):
        return (
            "differs only in letter case from a tag key ecs-scheduler sets itself;"
            " IAM tag keys ignore case"
        )
    if not _is_tag_text(key, TAG_KEY_MAX_LENGTH):
        return "a tag key must be 1-128 letters, digits, spaces or _ . : / = + - @"
    return None


def _any_case(text: str) -> str:
    """A pattern matching ``text`` in any letter case (ECMA-262 has no inline flags)."""
    return "".join(
        f"[{character.upper()}{character.lower()}]" if character.isalpha() else character
        for character in text
    )


def _tag_key(*, on_role: bool) -> Checked:
    """A tag key of ``tags`` (``on_role``: they also go on the IAM role) or ``task_tags``."""
    own = sorted(key for key in RESERVED_TAG_KEYS if not key.startswith(OWN_TAG_PREFIX))
    spelled = _any_case if on_role else str
    reserved = "|".join(spelled(key) for key in own)
    taken = rf"^(?:{_any_case('aws:')}|{spelled(OWN_TAG_PREFIX)}|(?:{reserved})$)"
    return Checked(
        partial(_tag_key_problem, on_role=on_role),
        minLength=1,
        maxLength=TAG_KEY_MAX_LENGTH,
        # Not "pattern": pydantic would turn a key's pattern into patternProperties.
        allOf=[{"pattern": TAG_TEXT_SCHEMA_PATTERN}, {"not": {"pattern": taken}}],
    )


def _tag_value_problem(value: str) -> str | None:
    if _is_tag_text(value, TAG_VALUE_MAX_LENGTH):
        return None
    return (
        f"{show(value)}: a tag value must be 1-256 letters, digits, spaces "
        "or _ . : / = + - @ (Scheduler and SQS refuse an empty value)"
    )


def _tag_text_problem(value: str) -> str | None:
    if _is_tag_text(value, TAG_VALUE_MAX_LENGTH):
        return None
    return f"{show(value)} becomes a tag value: {TAG_CHARACTERS}"


def _tags_within(budget: int, *, on_role: bool) -> CheckedItems:
    """At most ``budget`` tags; on the role, keys distinct in more than letter case."""

    def check(tags: Any) -> Iterator[tuple[Loc, str, str | None]]:
        if not isinstance(tags, dict):
            return
        if len(tags) > budget:
            yield (), f"has {len(tags)} tags; at most {budget} allowed", None
        seen: dict[str, str] = {}
        for key in tags:
            folded = str(key).lower()
            if on_role and folded in seen and _tag_key_problem(key, on_role=True) is None:
                message = (
                    f"differs only in letter case from tag key {seen[folded]!r};"
                    " IAM tag keys ignore case"
                )
                yield (key, "[key]"), message, "tag-case"
            seen.setdefault(folded, key)

    return CheckedItems(check, maxProperties=budget)


# A resource-naming tag (ResourceOwner, BillingEntity…): the value of a tag ecs-scheduler sets.
TagValueText = Annotated[
    str,
    Field(min_length=1, max_length=TAG_VALUE_MAX_LENGTH),
    Checked(_tag_text_problem, pattern=TAG_TEXT_SCHEMA_PATTERN),
]
TagValue = Annotated[
    str,
    Checked(
        _tag_value_problem,
        minLength=1,
        maxLength=TAG_VALUE_MAX_LENGTH,
        pattern=TAG_TEXT_SCHEMA_PATTERN,
    ),
]
RoleTags = Annotated[
    dict[Annotated[str, _tag_key(on_role=True)], TagValue],
    # Ours take the rest: the five naming tags and the stack and job (RESERVED_TAG_KEYS).
    _tags_within(MAX_TAGS - len(RESERVED_TAG_KEYS), on_role=True),
]
TaskTags = Annotated[
    dict[Annotated[str, _tag_key(on_role=False)], TagValue],
    _tags_within(MAX_TAGS, on_role=False),
]


def _timezone_problem(name: str) -> str | None:
    try:
        load_timezone(name)
    except ExpressionError as error:
        return str(error)
    return None


# Checked against the IANA database the installed tzdata holds; the schema names the format.
TimeZoneName = Annotated[str, Checked(_timezone_problem, format=TIME_ZONE_FORMAT)]


def expression_problem(text: str) -> str | None:
    """Why ``text`` is not a schedule expression EventBridge Scheduler takes, or ``None``."""
    try:
        expression = parse(text)
    except ExpressionError as error:
        return str(error)
    if len(text) > SCHEDULE_EXPRESSION_MAX_LENGTH:
        return (
            f"is {len(text)} characters long; Scheduler takes at most "
            f"{SCHEDULE_EXPRESSION_MAX_LENGTH}"
        )
    # Such an at() never fires; say why rather than only that it never fires.
    if isinstance(expression, AtExpression) and not FIRST_YEAR <= expression.at.year <= LAST_YEAR:
        return f"at(): the year must be between {FIRST_YEAR} and {LAST_YEAR}"
    return None


ScheduleExpressionText = Annotated[
    str,
    Checked(
        expression_problem,
        maxLength=SCHEDULE_EXPRESSION_MAX_LENGTH,
        pattern=r"^(?:cron|rate|at)\(.*\)$",
        format=SCHEDULE_EXPRESSION_FORMAT,
    ),
]


def _year_problem(moment: datetime) -> str | None:
    if FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    return f"{moment.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR}"


# Written as text in YAML and JSON: the one kind of value parsed from a string. Schedules run
# between FIRST_YEAR and LAST_YEAR (1970-2199).
OffsetDateTime = Annotated[
    AwareDatetime,
    Strict(False),
    Checked(_year_problem, pattern=r"^(?:19[7-9][0-9]|2[01][0-9]{2})-"),
]


_ARN = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9-]+):"
    r"(?P<region>[a-z0-9-]*):(?P<account>\d{12}|aws|):(?P<resource>.+)$"
)


@dataclass(frozen=True)
class Arn:
    """The parts of an Amazon Resource Name."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(text: str) -> Arn | None:
    """Split ``text`` into its ARN parts, or ``None`` if it is not shaped like an ARN."""
    match = _ARN.fullmatch(text)
    if match is None:
        return None
    return Arn(**match.groupdict())


# The default factories of the fields whose default is empty. Pydantic reads a factory's
# signature when it builds the model: a function's is at hand, while a builtin's (list's,
# dict's) is parsed from its text with tokenize, which took 2.5 ms of every start-up.
def empty_list() -> list[Any]:
    """A new empty list: the default of a list field."""
    return []


def empty_mapping() -> dict[str, Any]:
    """A new empty mapping: the default of a mapping field."""
    return {}


class StrictModel(BaseModel):
    """Unknown fields are errors; values are immutable once validated; no type coercion
    (``task_count: true`` or ``enabled: 1`` are mistakes, not 1 and True)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CapacityProviderStrategyItem(StrictModel):
    """One capacity provider of the strategy that runs the tasks."""

    capacity_provider: str = Field(
        min_length=1, max_length=255, description="Name of a capacity provider of the cluster."
    )
    weight: int = Field(
        default=0, ge=0, le=1000, description="Relative share of the tasks this provider runs."
    )
    base: int = Field(
        default=0,
        ge=0,
        le=100000,
        description="Tasks this provider runs before weights apply; only one item may set it.",
    )


class PlacementConstraint(StrictModel):
    """A rule for where ECS may place the tasks (EC2 only)."""

    type: Literal["distinctInstance", "memberOf"] = Field(
        description="distinctInstance (one task per instance) or memberOf (matching instances)."
    )
    expression: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="Cluster query language expression; memberOf only.",
    )


class PlacementStrategy(StrictModel):
    """How ECS spreads the tasks over instances (EC2 only)."""

    type: Literal["random", "spread", "binpack"] = Field(
        description="random, spread (over field) or binpack (on field cpu or memory)."
    )
    field: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="What to spread over or bin-pack on; random takes none.",
    )


class KeyValuePair(StrictModel):
    """One environment variable of a container override."""

    name: str = Field(description="Environment variable name.")
    value: str = Field(
        description="Environment variable value; shown by plan and written to exports."
    )


class EnvironmentFile(StrictModel):
    """A file of environment variables in S3, for a container override."""

    type: Literal["s3"] = Field(description="Where the file lives: s3.")
    value: str = Field(description="ARN of the S3 object holding the variables.")


class ResourceRequirement(StrictModel):
    """A GPU or inference accelerator requirement of a container override."""

    type: Literal["GPU", "InferenceAccelerator"] = Field(description="GPU or InferenceAccelerator.")
    value: str = Field(description="How many GPUs, or the accelerator's device name.")


class ContainerOverride(StrictModel):
    """One entry of ECS ``containerOverrides`` (camelCase, as the ECS API spells it)."""

    name: str = Field(min_length=1, description="Container of the task definition to override.")
    command: list[str] | None = Field(default=None, description="Replaces the container's command.")
    environment: list[KeyValuePair] | None = Field(
        default=None, description="Environment variables added to or replacing the container's."
    )
    environmentFiles: list[EnvironmentFile] | None = Field(  # noqa: N815 - ECS API name
        default=None, description="Files of environment variables added to the container's."
    )
    cpu: int | None = Field(default=None, ge=0, description="CPU units reserved for the container.")
    memory: int | None = Field(
        default=None, ge=0, description="Hard memory limit of the container, in MiB."
    )
    memoryReservation: int | None = Field(  # noqa: N815
        default=None, ge=0, description="Soft memory limit of the container, in MiB."
    )
    resourceRequirements: list[ResourceRequirement] | None = Field(  # noqa: N815
        default=None, description="GPUs or inference accelerators for the container."
    )


class EphemeralStorage(StrictModel):
    """The ephemeral storage of a Fargate task."""

    sizeInGiB: int = Field(  # noqa: N815
        ge=21, le=200, description="Ephemeral storage of a Fargate task, in GiB."
    )


class TaskOverrides(StrictModel):
    """The ECS task override sent as the schedule target's ``Input``: at most 8192 characters
    as compact JSON, the limit of ECS RunTask's overrides."""

    containerOverrides: list[ContainerOverride] | None = Field(  # noqa: N815
        default=None, description="Per-container overrides."
    )
    cpu: str | None = Field(
        default=None,
        pattern=TASK_CPU_PATTERN,
        description="Task CPU: CPU units ('1024') or vCPUs ('1 vCPU').",
    )
    memory: str | None = Field(
        default=None,
        pattern=TASK_MEMORY_PATTERN,
        description="Task memory: MiB ('2048') or GB ('2 GB').",
    )
    taskRoleArn: IamRoleArn | None = Field(  # noqa: N815
        default=None,
        description="Task role for this run; the scheduler role may pass it.",
    )
    executionRoleArn: IamRoleArn | None = Field(  # noqa: N815
        default=None,
        description="Execution role for this run; the scheduler role may pass it.",
    )
    ephemeralStorage: EphemeralStorage | None = Field(  # noqa: N815
        default=None, description="Ephemeral storage of a Fargate task."
    )

    @model_validator(mode="after")
    def _fits_ecs(self) -> Self:
        length = len(self.as_json())
        if length > OVERRIDES_MAX_JSON_LENGTH:
            raise refusal(
                f"the overrides are {length} characters as JSON; ECS RunTask takes at most"
                f" {OVERRIDES_MAX_JSON_LENGTH}",
                rule="overrides-length",
            )
        return self

    def as_json(self) -> str:
        """The overrides as the schedule target's ``Input`` carries them: compact JSON."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True), separators=(",", ":"))

    @property
    def role_arns(self) -> tuple[str, ...]:
        """The roles this override passes to ECS (they need ``iam:PassRole``)."""
        return tuple(arn for arn in (self.taskRoleArn, self.executionRoleArn) if arn)


# The fields an additional schedule takes from its job when it does not set them (the job, in
# turn, may take each of them from defaults:). This tuple resolves the schedules (below) and
# tells the rules across fields (config_rules) what each schedule is checked with.
INHERITED_SCHEDULE_FIELDS: Final = (
    "timezone",
    "enabled",
    "start_date",
    "end_date",
    "flexible_time_window_minutes",
    "description",
    "action_after_completion",
    "overrides",
    "task_count",
    "maximum_retry_attempts",
    "maximum_event_age_in_seconds",
)


class AdditionalSchedule(StrictModel):
    """A further schedule of the same task; unset fields inherit the job's values."""

    name: str = Field(
        min_length=1,
        max_length=64,
        pattern=SCHEDULE_NAME_PATTERN,
        description="Unique name within the job; ends the schedule's AWS name.",
    )
    schedule_expression: ScheduleExpressionText = Field(
        description="When it fires: cron(...), rate(...) or at(...)."
    )
    timezone: TimeZoneName | None = Field(
        default=None, description="IANA time zone of the expression; default: the job's."
    )
    enabled: bool | None = Field(
        default=None, description="false creates the schedule DISABLED; default: the job's."
    )
    start_date: OffsetDateTime | None = Field(
        default=None,
        description="First instant the schedule may fire (with a UTC offset); default: the job's.",
    )
    end_date: OffsetDateTime | None = Field(
        default=None,
        description="Last instant the schedule may fire (with a UTC offset); default: the job's.",
    )
    flexible_time_window_minutes: int | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="Window in which Scheduler may start the task; default: the job's.",
    )
    description: str | None = Field(
        default=None,
        max_length=DESCRIPTION_MAX_LENGTH,
        description="Schedule description; default: the job's, else generated.",
    )
    action_after_completion: Literal["NONE", "DELETE"] | None = Field(
        default=None,
        description="DELETE removes the schedule after its last run; default: the job's.",
    )
    overrides: TaskOverrides | None = Field(
        default=None, description="ECS overrides sent as the target's Input; default: the job's."
    )
    task_count: int | None = Field(
        default=None, ge=1, le=10, description="Tasks started per run; default: the job's."
    )
    maximum_retry_attempts: int | None = Field(
        default=None, ge=0, le=185, description="Retries of a failed start; default: the job's."
    )
    maximum_event_age_in_seconds: int | None = Field(
        default=None,
        ge=60,
        le=86400,
        description="How long a failed start is retried; default: the job's.",
    )


@dataclass(frozen=True)
class ScheduleSpec:
    """One EventBridge schedule of a job, with every inherited value resolved.

    ``key`` is ``""`` for the job's primary schedule and the additional schedule's ``name``
    otherwise (the Terraform module's ``for_each`` key).
    """

    key: str
    expression: Expression
    expression_text: str
    timezone: str
    enabled: bool
    start_date: datetime | None
    end_date: datetime | None
    flexible_time_window_minutes: int | None
    description: str
    action_after_completion: Literal["NONE", "DELETE"]
    overrides: TaskOverrides | None
    task_count: int
    maximum_retry_attempts: int
    maximum_event_age_in_seconds: int


class Job(StrictModel):
    """One scheduled ECS task: the variables of the ECS Scheduler module, v2."""

    # Required.
    cluster_name: str = Field(
        min_length=1,
        max_length=255,
        pattern=CLUSTER_NAME_PATTERN,
        description="Name of the ECS cluster; must match ecs_cluster_arn.",
    )
    ecs_cluster_arn: EcsClusterArn = Field(
        description="ARN of the ECS cluster; gives the job's partition, region and account."
    )
    task_name: str = Field(
        min_length=1,
        max_length=255,
        pattern=TASK_FAMILY_PATTERN,
        description="Task definition family to run.",
    )
    schedule_expression: ScheduleExpressionText = Field(
        description="When the primary schedule fires: cron(...), rate(...) or at(...)."
    )
    trusted_compute_subnets: Annotated[list[SubnetId], DistinctItems] = Field(
        min_length=1, max_length=16, description="Subnet ids (subnet-...) the tasks run in."
    )
    security_group_ids: Annotated[list[SecurityGroupId], DistinctItems] = Field(
        min_length=1, max_length=5, description="Security group ids (sg-...) of the tasks."
    )
    kms_key_arn: KmsKeyArn = Field(
        description="KMS key or alias ARN encrypting the dead-letter queue."
    )
    resource_owner: TagValueText = Field(description="Tag ResourceOwner of every resource.")
    billing_entity: TagValueText = Field(
        description="Tag BillingEntity; its letters and digits start every name."
    )
    billing_domain: TagValueText = Field(
        description="Tag BillingDomain; its letters and digits are the second part of every name."
    )
    security_domain: TagValueText = Field(
        description="Tag SecurityDomain; its letters and digits are the third part of every name."
    )
    aws_region_short_code: str = Field(
        min_length=1,
        description="Short region code, e.g. use1; the fourth part of every name.",
    )

    # Schedule.
    enabled: bool = Field(default=True, description="false creates the schedules DISABLED.")
    timezone: TimeZoneName = Field(
        default="UTC", description="IANA time zone the expressions are read in."
    )
    start_date: OffsetDateTime | None = Field(
        default=None,
        description="First instant the schedules may fire (with a UTC offset); not with at().",
    )
    end_date: OffsetDateTime | None = Field(
        default=None,
        description="Last instant the schedules may fire (with a UTC offset); not with at().",
    )
    flexible_time_window_minutes: int | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="Window in which Scheduler may start the task; unset: exactly on time.",
    )
    description: str | None = Field(
        default=None,
        max_length=DESCRIPTION_MAX_LENGTH,
        description="Schedule description; unset: generated from what runs and when.",
    )
    action_after_completion: Literal["NONE", "DELETE"] | None = Field(
        default=None,
        description="DELETE removes a schedule after its last run; unset: DELETE for at() only.",
    )
    expected_duration_minutes: int | None = Field(
        default=None,
        ge=1,
        le=10080,
        description="Minutes a run takes, for the calendar's concurrency forecast (not sent).",
    )
    additional_schedules: list[AdditionalSchedule] = Field(
        default_factory=empty_list,
        description="Further schedules of the same task; each inherits what it does not set.",
    )

    # ECS target.
    launch_type: Literal["FARGATE", "EC2", "EXTERNAL"] | None = Field(
        default=None,
        description="FARGATE, EC2 or EXTERNAL; unset: FARGATE, or the capacity providers decide.",
    )
    capacity_provider_strategy: list[CapacityProviderStrategyItem] = Field(
        default_factory=empty_list,
        max_length=6,
        description="Capacity providers that run the tasks; not with launch_type.",
    )
    platform_version: str | None = Field(
        default=None,
        min_length=1,
        max_length=PLATFORM_VERSION_MAX_LENGTH,
        description="Fargate platform version, e.g. 1.4.0; FARGATE only.",
    )
    task_count: int = Field(default=1, ge=1, le=10, description="Tasks started per run.")
    task_definition_revision: int | None = Field(
        default=None,
        ge=1,
        description="Pins a revision of task_name; unset: the latest ACTIVE revision.",
    )
    task_role_arn: IamRoleArn | None = Field(
        default=None,
        description="Task role passed to ECS; unset: looked up from the task definition.",
    )
    execution_role_arn: IamRoleArn | None = Field(
        default=None,
        description="Execution role passed to ECS; unset: looked up from the task definition.",
    )
    overrides: TaskOverrides | None = Field(
        default=None, description="ECS overrides sent as the schedule target's Input."
    )
    propagate_tags: bool = Field(
        default=False, description="Copy the task definition's tags to the tasks."
    )
    enable_ecs_managed_tags: bool = Field(
        default=False, description="Let ECS tag the tasks with the cluster and service names."
    )
    enable_execute_command: bool = Field(
        default=False, description="Allow ECS Exec into the tasks."
    )
    placement_constraints: list[PlacementConstraint] = Field(
        default_factory=empty_list,
        max_length=10,
        description="Where tasks may be placed; EC2 only.",
    )
    placement_strategy: list[PlacementStrategy] = Field(
        default_factory=empty_list,
        max_length=5,
        description="How tasks are spread over instances; EC2 only.",
    )
    task_tags: TaskTags = Field(
        default_factory=empty_mapping, description="Tags on the tasks each run starts."
    )
    assign_public_ip: bool = Field(
        default=False, description="Give the tasks a public IP; FARGATE only."
    )

    # Retries and dead-letter queue.
    maximum_retry_attempts: int = Field(
        default=5,
        ge=0,
        le=185,
        description="Retries of a failed start before the event goes to the dead-letter queue.",
    )
    maximum_event_age_in_seconds: int = Field(
        default=86400, ge=60, le=86400, description="How long a failed start is retried."
    )
    dlq_message_retention_seconds: int = Field(
        default=1209600,
        ge=60,
        le=1209600,
        description="How long the dead-letter queue keeps a failed event.",
    )

    # Security.
    permissions_boundary_arn: IamPolicyArn | None = Field(
        default=None, description="Permissions boundary of the scheduler role."
    )

    # Alarms.
    enable_dlq_alarm: bool = Field(
        default=True, description="Create the two CloudWatch alarms on the dead-letter queue."
    )
    dlq_alarm_actions: list[SnsTopicArn] = Field(
        default_factory=empty_list,
        max_length=ALARM_ACTIONS_MAX,
        description="SNS topic ARNs notified when an alarm fires.",
    )
    dlq_ok_actions: list[SnsTopicArn] = Field(
        default_factory=empty_list,
        max_length=ALARM_ACTIONS_MAX,
        description="SNS topic ARNs notified when an alarm clears.",
    )
    enable_task_failure_alerts: bool = Field(
        default=True,
        description="Watch the tasks the job starts, and notify task_failure_actions when one"
        " stops with a failure (an essential container exiting non-zero, or a task that"
        " failed to start).",
    )
    task_failure_actions: list[SnsTopicArn] | None = Field(
        default=None,
        max_length=ALARM_ACTIONS_MAX,
        description="SNS topic ARNs notified when a task fails. Not set (absent or null): the"
        " job's own dlq_alarm_actions, taken after defaults are merged, so a job that sets"
        " dlq_alarm_actions sends task failures there too, while a task_failure_actions in"
        " defaults applies to every job that does not set it (null in a job returns it to"
        " dlq_alarm_actions); [] notifies no topic.",
    )
    dlq_oldest_message_threshold_seconds: int = Field(
        default=3600,
        ge=60,
        le=1209600,
        description="Age of the oldest failed event that fires the second alarm.",
    )

    tags: RoleTags = Field(
        default_factory=empty_mapping,
        description="Extra tags on every taggable resource of the job.",
    )

    # Migration.
    replaces: list[ReplaceableArn] = Field(
        default_factory=empty_list,
        description="ARNs of the EventBridge Scheduler schedules or EventBridge rules this job"
        " takes over from (written by import): plan and apply retire each at one hand-over"
        " instant once the job's schedules exist (docs/migration.md, Cut-over).",
    )

    @cached_property
    def _cluster_arn(self) -> Arn:
        arn = parse_arn(self.ecs_cluster_arn)
        if arn is None:
            # The loader rejects malformed cluster ARNs; only a hand-built Job gets here.
            raise ValueError(f"not an ECS cluster ARN: {self.ecs_cluster_arn!r}")
        return arn

    @property
    def region(self) -> str:
        """The AWS region of the job, taken from ``ecs_cluster_arn``."""
        return self._cluster_arn.region

    @property
    def account(self) -> str:
        """The AWS account id of the job, taken from ``ecs_cluster_arn``."""
        return self._cluster_arn.account

    @property
    def partition(self) -> str:
        """The AWS partition (``aws``, ``aws-cn``, ``aws-us-gov``…) of ``ecs_cluster_arn``."""
        return self._cluster_arn.partition

    @property
    def task_failure_topics(self) -> list[str]:
        """The SNS topics a failed task notifies: ``task_failure_actions`` when set, else
        ``dlq_alarm_actions``."""
        if self.task_failure_actions is None:
            return list(self.dlq_alarm_actions)
        return list(self.task_failure_actions)

    @property
    def effective_launch_type(self) -> Literal["FARGATE", "EC2", "EXTERNAL"] | None:
        """The launch type RunTask uses; ``None`` when a capacity provider strategy decides."""
        if self.launch_type is not None:
            return self.launch_type
        return None if self.capacity_provider_strategy else "FARGATE"

    @property
    def passed_role_arns(self) -> tuple[str, ...]:
        """Every explicit role ARN the schedules pass to ECS, in order, without repeats."""
        arns: list[str] = [arn for arn in (self.task_role_arn, self.execution_role_arn) if arn]
        for spec in self.schedules:
            if spec.overrides is not None:
                arns.extend(spec.overrides.role_arns)
        return tuple(dict.fromkeys(arns))

    @cached_property
    def schedules(self) -> tuple[ScheduleSpec, ...]:
        """The primary schedule (key ``""``) and each additional schedule, fully resolved."""
        primary = self._resolve("", self.schedule_expression, self.schedule_values(None))
        additional = tuple(
            self._resolve(extra.name, extra.schedule_expression, self.schedule_values(extra))
            for extra in self.additional_schedules
        )
        return (primary, *additional)

    def schedule_values(self, extra: AdditionalSchedule | None) -> dict[str, Any]:
        """The INHERITED_SCHEDULE_FIELDS of the primary schedule (``extra`` is ``None``) or of
        an additional one: its own where it sets them, else the job's."""
        values = {name: getattr(self, name) for name in INHERITED_SCHEDULE_FIELDS}
        if extra is not None:
            values.update(
                (name, getattr(extra, name))
                for name in INHERITED_SCHEDULE_FIELDS
                if getattr(extra, name) is not None
            )
        return values

    def _resolve(self, key: str, expression_text: str, values: Mapping[str, Any]) -> ScheduleSpec:
        expression = parse(expression_text)
        one_time = isinstance(expression, AtExpression)
        description: str | None = values["description"]
        action: Literal["NONE", "DELETE"] | None = values["action_after_completion"]
        return ScheduleSpec(
            key=key,
            expression=expression,
            expression_text=expression_text,
            **{
                **values,
                # EventBridge Scheduler ignores the window of a one-time schedule.
                "start_date": None if one_time else values["start_date"],
                "end_date": None if one_time else values["end_date"],
                "description": description
                if description is not None
                else generated_description(
                    self.task_name, self.cluster_name, expression, values["timezone"]
                ),
                "action_after_completion": action or ("DELETE" if one_time else "NONE"),
            },
        )


def generated_description(
    task_name: str, cluster_name: str, expression: Expression, timezone: str
) -> str:
    """What runs and when, for a schedule without a description of its own (≤ 512 chars)."""
    when = describe(expression, timezone)
    for text in (
        f"Runs ECS task {task_name} on cluster {cluster_name}: {when}",
        f"Runs ECS task {task_name}: {when}",
    ):
        if len(text) <= DESCRIPTION_MAX_LENGTH:
            return text
    return when[:DESCRIPTION_MAX_LENGTH]


class Stack(StrictModel):
    """One config file: a named stack of jobs. ``defaults`` are merged into jobs by the loader."""

    stack: str = Field(
        pattern=NAME_PATTERN,
        description="Name of the stack; scopes ownership: resources are tagged with it.",
    )
    jobs: dict[str, Job] = Field(
        min_length=1,
        description="The jobs, by key (1-32 of a-z, 0-9, '-'); the key is part of every name.",
    )
    defaults: dict[str, Any] = Field(default_factory=empty_mapping)


DEPRECATED_JOB_FIELDS = {"security_group_id": "security_group_ids"}
"""Fields still accepted in a file, each folded by the loader into its replacement."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the config file, as ``ecs-scheduler schema`` prints it.

    It describes the file as written: ``defaults`` takes any job field, job keys follow the
    naming rule, and the deprecated ``security_group_id`` is listed with ``deprecated: true``.
    A job's required fields may come from ``defaults``, so the schema lists them in the job's
    description rather than in ``required``. Every rule about one field is in the schema; the
    job's description lists the rules it cannot carry (RULES_THE_SCHEMA_CANNOT_CARRY), which
    the loader checks.
    """
    schema = Stack.model_json_schema()
    definitions: dict[str, Any] = schema["$defs"]
    job_schema: dict[str, Any] = definitions["Job"]
    required: list[str] = job_schema.pop("required")
    rules = "; ".join(f"{text} ({name})" for name, text in RULES_THE_SCHEMA_CANNOT_CARRY.items())
    job_schema["description"] = (
        f"{job_schema['description']} Required, here or in defaults: {', '.join(required)}."
        f" Beyond this schema, validate checks: {rules}; and the values of the formats"
        f" {TIME_ZONE_FORMAT} (a name of the IANA time zone database) and"
        f" {SCHEDULE_EXPRESSION_FORMAT} (a cron(), rate() or at() expression as EventBridge"
        " Scheduler reads it)."
    )
    job_schema["properties"]["security_group_id"] = {
        "type": "string",
        "pattern": f"^{SECURITY_GROUP_ID}$",
        "deprecated": True,
        "description": "Deprecated: use security_group_ids (folded into it, with a warning).",
    }
    defaults_schema = {
        "type": "object",
        "description": "Any job field; a job's own value wins; lists and maps replace.",
        "properties": job_schema["properties"],
        "additionalProperties": False,
    }
    schema["properties"]["defaults"] = defaults_schema
    schema["properties"]["jobs"]["propertyNames"] = {"pattern": NAME_PATTERN}
    # Top-level "x-" keys hold YAML anchors for reuse and are otherwise ignored.
    schema["patternProperties"] = {"^x-": {}}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ecs-scheduler config"
    return schema
