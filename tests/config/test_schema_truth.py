"""The JSON Schema tells the truth: every config it accepts, ``validate`` accepts too, except
where one of the rules the schema cannot carry (listed in its descriptions) refuses it.

Configs are generated from the schema itself. hypothesis-jsonschema 0.23 cannot build
objects with the Hypothesis this project uses (its object strategy calls a private
``many.more()`` that Hypothesis 6.170 no longer has), so ``strategy_for`` below walks the
keywords the config's schema uses (``$ref``, ``anyOf``, objects, arrays, ``allOf``/``not``
patterns) and leaves each string to hypothesis-jsonschema (patterns as ECMA-262 reads them,
lengths). The schema's two formats of its own (a time zone, a schedule expression) need a
lookup no pattern can do: like any JSON Schema validator, the test brings a checker for
them, here as strategies of values that are valid on their own.
"""

from __future__ import annotations

import copy
import re
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from ecs_scheduler.config import (
    ARN_ACCOUNT,
    ARN_PARTITION,
    ARN_REGION,
    RULES_THE_SCHEMA_CANNOT_CARRY,
    SCHEDULE_EXPRESSION_FORMAT,
    TIME_ZONE_FORMAT,
    Job,
    json_schema,
)
from ecs_scheduler.expressions import ExpressionError, load_timezone
from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import edited

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _zones() -> list[str]:
    zones = []
    for name in sorted(zoneinfo.available_timezones()):
        try:
            load_timezone(name)
        except ExpressionError:
            continue
        zones.append(name)
    return zones


_MOMENTS = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2199, 12, 30))
_EXPRESSIONS = st.one_of(
    st.builds(
        "rate({} {})".format,
        st.integers(1, 10_000),
        st.sampled_from(["minute", "minutes", "hour", "hours", "day", "days"]),
    ),
    st.builds("cron({} {} * * ? *)".format, st.integers(0, 59), st.integers(0, 23)),
    st.builds("cron(0 {} ? * {} *)".format, st.integers(0, 23), st.sampled_from("1234567")),
    _MOMENTS.map(lambda moment: f"at({moment:%Y-%m-%dT%H:%M:%S})"),
)
_OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
_DATE_TIMES = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone).isoformat(), _MOMENTS, _OFFSETS
)
FORMATS = {
    TIME_ZONE_FORMAT: st.sampled_from(_zones()),
    SCHEDULE_EXPRESSION_FORMAT: _EXPRESSIONS,
    # The standard format, narrowed to the years schedules run in (the schema's pattern).
    "date-time": _DATE_TIMES,
}


def generation_schema() -> dict[str, Any]:
    """The schema, narrowed (never widened) where the test takes a part of what it accepts.

    - A job's required fields may come from defaults; the test writes them in every job (the
      rule "required" is the one that would refuse a job without them).
    - At most two jobs, to keep each example small.
    - Every ARN in one partition, region and account, and cluster_name the cluster's, so that
      the rules "arn-agreement" and "cluster-name" leave most examples to be accepted.
    """
    schema = copy.deepcopy(json_schema())
    job = schema["$defs"]["Job"]
    job["required"] = sorted(name for name, info in Job.model_fields.items() if info.is_required())
    schema["properties"]["defaults"]["properties"] = job["properties"]
    schema["properties"]["jobs"]["maxProperties"] = 2
    job["properties"]["cluster_name"] = {"const": "batch"}
    return _one_account(schema)


def _one_account(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_one_account(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    narrowed = {key: _one_account(value) for key, value in schema.items()}
    pattern = narrowed.get("pattern")
    if isinstance(pattern, str) and "arn:" in pattern:
        for general, one in (
            (ARN_PARTITION, "aws"),
            (ARN_REGION, "eu-west-1"),
            (ARN_ACCOUNT, "123456789012"),
            ("cluster/[A-Za-z0-9_-]{1,255}", "cluster/batch"),
        ):
            pattern = pattern.replace(general, one)
        narrowed["pattern"] = pattern
    return narrowed


# Lists and mappings hold at most this many items: small examples, still a part of the schema.
_MOST_ITEMS = 3


def strategy_for(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values ``schema`` accepts (a part of them), for the keywords the config schema uses."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return strategy_for(root["$defs"][name], root)
    if "anyOf" in schema:
        return st.one_of([strategy_for(member, root) for member in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, root)
    if kind == "array":
        return st.lists(
            strategy_for(schema.get("items", {}), root),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", _MOST_ITEMS), _MOST_ITEMS),
            unique=bool(schema.get("uniqueItems")),
        )
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    raise AssertionError(f"a schema the test does not know: {schema}")


def _object(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    if properties:
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {name: strategy_for(properties[name], root) for name in properties if name in required},
            optional={
                name: strategy_for(value, root)
                for name, value in properties.items()
                if name not in required
            },
        )
    values = schema.get("additionalProperties")
    assert isinstance(values, dict), schema
    return st.dictionaries(
        _string({"type": "string", **schema.get("propertyNames", {})}),
        strategy_for(values, root),
        min_size=schema.get("minProperties", 0),
        max_size=min(schema.get("maxProperties", _MOST_ITEMS), _MOST_ITEMS),
    )


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Strings from the most specific pattern, kept when they match every other one and
    none of the patterns under ``not``."""
    parts = [schema, *schema.get("allOf", ())]
    patterns = [part["pattern"] for part in parts if "pattern" in part]
    refused = [part["not"]["pattern"] for part in parts if "not" in part]
    leaf = {key: schema[key] for key in ("type", "minLength", "maxLength") if key in schema}
    if "format" in schema:
        strings = FORMATS[schema["format"]]
    else:
        strings = from_schema({**leaf, **({"pattern": patterns[-1]} if patterns else {})})
    return strings.filter(
        lambda text: (
            all(re.search(pattern, text) for pattern in patterns)
            and not any(re.search(pattern, text) for pattern in refused)
            and schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", len(text))
        )
    )


ROOT = generation_schema()
CONFIGS = strategy_for(ROOT, ROOT)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(config=CONFIGS)
def test_what_the_schema_accepts_validate_accepts(config: dict[str, Any]) -> None:
    text = yaml.safe_dump(config, sort_keys=False)
    try:
        loads(text, now=NOW)
    except ConfigError as error:
        unlisted = [str(issue) for issue in error.issues if issue.rule is None]
        assert not unlisted, "\n".join(["refused by no listed rule:", *unlisted, "", text])
        assert all(issue.rule in RULES_THE_SCHEMA_CANNOT_CARRY for issue in error.issues)


def test_the_schema_lists_the_rules_it_cannot_carry() -> None:
    description = json_schema()["$defs"]["Job"]["description"]
    for name, text in RULES_THE_SCHEMA_CANNOT_CARRY.items():
        assert f"{text} ({name})" in description


def test_a_rule_across_fields_names_itself() -> None:
    job = yaml.safe_load(
        """
        cluster_name: other
        ecs_cluster_arn: arn:aws:ecs:us-east-1:123456789012:cluster/batch
        task_name: report
        schedule_expression: cron(0 6 * * ? *)
        trusted_compute_subnets: [subnet-0a1b2c3d4e5f60718]
        security_group_ids: [sg-0123456789abcdef0]
        kms_key_arn: arn:aws:kms:eu-west-1:123456789012:alias/dlq
        resource_owner: data-team
        billing_entity: acme
        billing_domain: analytics
        security_domain: internal
        aws_region_short_code: use1
        """
    )
    config = yaml.safe_dump({"stack": "s", "jobs": {"report": job}})
    try:
        loads(config, now=NOW)
    except ConfigError as error:
        assert [issue.rule for issue in error.issues] == ["cluster-name", "arn-agreement"]
    else:
        raise AssertionError("a job whose cluster_name and KMS region disagree was accepted")


def test_the_generated_configs_include_ones_validate_accepts() -> None:
    """The property above is not met by refusing everything: the generation reaches configs
    that pass every rule."""

    def accepted(config: dict[str, Any]) -> bool:
        try:
            loads(yaml.safe_dump(config, sort_keys=False), now=NOW)
        except ConfigError:
            return False
        return True

    config = find(
        CONFIGS,
        accepted,
        settings=settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate]),
    )
    assert config["jobs"]


def test_a_deprecated_id_that_overfills_the_list_names_its_rule() -> None:
    groups = ", ".join(f"sg-0000000{n}" for n in range(5))
    text = edited(("[sg-0123456789abcdef0]", f"[{groups}]\n    security_group_id: sg-00000009"))
    assert Draft202012Validator(json_schema()).is_valid(yaml.safe_load(text))
    try:
        loads(text, now=NOW)
    except ConfigError as error:
        assert [(issue.message, issue.rule) for issue in error.issues] == [
            ("expected 1-5 security group ids, got 6", "security-group-id")
        ]
    else:
        raise AssertionError("six security groups were accepted")
