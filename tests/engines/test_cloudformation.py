"""The CloudFormation export: cfn-lint clean, equivalent to the model, stable byte for byte.

Regenerate the golden files after an intended change with::

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/engines -k golden
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecs_scheduler.config import Stack
from ecs_scheduler.engines.cloudformation import (
    CFN_TYPES,
    CloudFormationExportError,
    build_template,
    export_cloudformation,
    pascal_case,
    render_template,
    unique_logical_ids,
)
from ecs_scheduler.engines.cloudformation_yaml import PythonTemplateDumper, dump_template
from ecs_scheduler.loader import load
from ecs_scheduler.resources import DesiredState, Lookup, LookupAttribute, build
from tests.conftest import EXAMPLES_DIR

GOLDEN_DIR = Path(__file__).parent / "golden" / "cloudformation"
EXAMPLES = sorted(path.stem for path in EXAMPLES_DIR.glob("*.yaml"))
# The examples hold dates; validating them against a fixed "now" keeps the goldens stable.
NOW = datetime(2026, 6, 1, tzinfo=UTC)
LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,255}")
PARAMETER_SUFFIXES = {
    "task_definition_arn": "TaskDefinitionArn",
    "task_role_arn": "TaskRoleArn",
    "execution_role_arn": "ExecutionRoleArn",
}

ACCOUNT = "123456789012"
REGION = "eu-west-1"
BASE_JOB: dict[str, Any] = {
    "cluster_name": "jobs",
    "ecs_cluster_arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/jobs",
    "task_name": "report",
    "schedule_expression": "rate(1 hour)",
    "trusted_compute_subnets": ["subnet-0a1b2c3d4e5f60718"],
    "security_group_ids": ["sg-0123456789abcdef0"],
    "kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "resource_owner": "data-team",
    "billing_entity": "acme",
    "billing_domain": "analytics",
    "security_domain": "internal",
    "aws_region_short_code": "euw1",
}

# Shapes the examples do not reach: capacity providers, no alarms, a public IP on Fargate, an
# end date, overrides naming a role, and job keys whose PascalCase forms collide.
EXTRA_STACKS: dict[str, dict[str, Any]] = {
    "capacity-providers": {
        "stack": "capacity",
        "jobs": {
            "spot-batch": {
                **BASE_JOB,
                "capacity_provider_strategy": [
                    {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 1},
                    {"capacity_provider": "FARGATE", "weight": 1},
                ],
                "enable_dlq_alarm": False,
                "enable_execute_command": True,
                "end_date": "2031-01-01T00:00:00+02:00",
                "overrides": {"taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/report-override"},
            }
        },
    },
    "colliding-keys": {
        "stack": "collide",
        "jobs": {
            "sync-1": {**BASE_JOB, "assign_public_ip": True, "platform_version": "1.4.0"},
            "sync1": {
                **BASE_JOB,
                "task_role_arn": f"arn:aws:iam::{ACCOUNT}:role/sync-task",
                "additional_schedules": [
                    {"name": "night.v2", "schedule_expression": "cron(0 2 * * ? *)"},
                    {"name": "night-v2", "schedule_expression": "cron(0 3 * * ? *)"},
                ],
            },
        },
    },
}


@dataclass(frozen=True)
class Export:
    name: str
    desired: DesiredState
    path: Path
    template: dict[str, Any]

    def resources_by_address(self) -> dict[str, tuple[str, dict[str, Any]]]:
        return {
            body["Metadata"]["ecs-scheduler"]["address"]: (logical_id, body)
            for logical_id, body in self.template["Resources"].items()
        }


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags, read into their long (JSON) form."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def parse_template(text: str) -> dict[str, Any]:
    parsed = yaml.load(text, Loader=CloudFormationLoader)
    assert isinstance(parsed, dict)
    return parsed


def _export(name: str, stack: Stack, out_dir: Path) -> Export:
    desired = build(stack)
    [path] = export_cloudformation(desired, out_dir / name)
    return Export(name, desired, path, parse_template(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Export]:
    out_dir = tmp_path_factory.mktemp("cloudformation")
    found = {
        name: _export(name, load(EXAMPLES_DIR / f"{name}.yaml", now=NOW).stack, out_dir)
        for name in EXAMPLES
    }
    found.update(
        {
            name: _export(name, Stack.model_validate(config), out_dir)
            for name, config in EXTRA_STACKS.items()
        }
    )
    return found


@pytest.fixture(scope="module")
def lint_findings(exports: dict[str, Export]) -> dict[str, list[str]]:
    """cfn-lint's errors and warnings, by export; linted once, as starting it is slow."""
    from cfnlint.api import lint_file

    return {
        name: [f"{match.rule.id} {match.message} (line {match.linenumber})" for match in found]
        for name, export in exports.items()
        for found in [lint_file(export.path)]
    }


ALL_EXPORTS = [*EXAMPLES, *EXTRA_STACKS]


def test_examples_exist() -> None:
    assert EXAMPLES, f"no examples in {EXAMPLES_DIR}"


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_template_passes_cfn_lint(name: str, lint_findings: dict[str, list[str]]) -> None:
    assert lint_findings[name] == []


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_one_template_per_stack_named_after_it(name: str, exports: dict[str, Export]) -> None:
    export = exports[name]
    assert export.path.name == f"{export.desired.stack}.yaml"
    assert list(export.template) == [
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        *(["Parameters"] if export.template.get("Parameters") else []),
        "Resources",
        "Outputs",
    ]
    assert export.template["Metadata"]["ecs-scheduler"]["stack"] == export.desired.stack


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_every_model_resource_is_one_template_resource(
    name: str, exports: dict[str, Export]
) -> None:
    export = exports[name]
    by_address = export.resources_by_address()
    assert list(by_address) == list(export.desired.resources)
    for address, resource in export.desired.resources.items():
        logical_id, body = by_address[address]
        assert LOGICAL_ID.fullmatch(logical_id)
        assert body["Type"] == CFN_TYPES[resource.type]
        assert logical_id.startswith(pascal_case(resource.job))
        tags = {tag["Key"]: tag["Value"] for tag in body["Properties"].get("Tags", [])}
        assert tags == dict(resource.tags)


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_resources_carry_the_model_names(name: str, exports: dict[str, Export]) -> None:
    name_properties = {
        "aws_scheduler_schedule_group": "Name",
        "aws_scheduler_schedule": "Name",
        "aws_iam_role": "RoleName",
        "aws_iam_role_policy": "PolicyName",
        "aws_sqs_queue": "QueueName",
        "aws_cloudwatch_metric_alarm": "AlarmName",
    }
    export = exports[name]
    by_address = export.resources_by_address()
    for address, resource in export.desired.resources.items():
        if resource.type in name_properties:
            properties = by_address[address][1]["Properties"]
            assert properties[name_properties[resource.type]] == resource.aws_name


def _arns_by_logical_id(export: Export) -> dict[str, str]:
    return {
        logical_id: export.desired.resources[address].arn
        for address, (logical_id, _) in export.resources_by_address().items()
    }


def _with_arns_resolved(value: Any, arns: Mapping[str, str]) -> Any:
    """Template data with every ``!GetAtt X.Arn`` replaced by the ARN it stands for."""
    if isinstance(value, dict):
        if list(value) == ["Fn::GetAtt"] and value["Fn::GetAtt"][1] == "Arn":
            return arns[value["Fn::GetAtt"][0]]
        return {key: _with_arns_resolved(item, arns) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_arns_resolved(item, arns) for item in value]
    return value


def parameter_for(template: Mapping[str, Any], lookup: Lookup) -> str:
    """The parameter standing for ``lookup``: in its job's parameter group, named after it."""
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    [group] = [g for g in groups if g["Label"]["default"].endswith(f" job {lookup.job}")]
    wanted = pascal_case(lookup.job) + PARAMETER_SUFFIXES[lookup.attribute]
    [parameter] = [p for p in group["Parameters"] if p.startswith(wanted)]
    return str(parameter)


def _with_lookups_as_refs(value: Any, template: Mapping[str, Any]) -> Any:
    """Model data with every Lookup replaced by a ``Ref`` to the parameter it becomes."""
    if isinstance(value, Lookup):
        return {"Ref": parameter_for(template, value)}
    if isinstance(value, Mapping):
        return {key: _with_lookups_as_refs(item, template) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_lookups_as_refs(item, template) for item in value]
    return value


POLICY_PROPERTIES = {
    "aws_iam_role": ("AssumeRolePolicyDocument", "AssumeRolePolicyDocument"),
    "aws_iam_role_policy": ("PolicyDocument", "PolicyDocument"),
    "aws_sqs_queue_policy": ("Policy", "PolicyDocument"),
}


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_policies_are_the_models_documents(name: str, exports: dict[str, Export]) -> None:
    """Rendered from policies.py's dicts: only ARNs became references, nothing was rewritten."""
    export = exports[name]
    arns = _arns_by_logical_id(export)
    by_address = export.resources_by_address()
    checked = 0
    for address, resource in export.desired.resources.items():
        if resource.type not in POLICY_PROPERTIES:
            continue
        model_key, template_key = POLICY_PROPERTIES[resource.type]
        rendered = by_address[address][1]["Properties"][template_key]
        assert _with_arns_resolved(rendered, arns) == _with_lookups_as_refs(
            resource.properties[model_key], export.template
        )
        checked += 1
    assert checked == 3 * len(export.template["Metadata"]["ecs-scheduler"]["jobs"])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_no_literal_arn_or_url_of_a_template_resource_remains(
    name: str, exports: dict[str, Export]
) -> None:
    export = exports[name]
    own_arns = {
        resource.arn
        for resource in export.desired.resources.values()
        if resource.type not in {"aws_iam_role_policy", "aws_sqs_queue_policy"}
    }
    own_urls = {output["dlq_url"] for output in export.desired.outputs.values()}
    literals = set(_strings(export.template["Resources"])) | set(
        _strings(export.template["Outputs"])
    )
    assert literals.isdisjoint(own_arns | own_urls)


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_schedules_reference_their_role_queue_group_and_wait_for_the_policy(
    name: str, exports: dict[str, Export]
) -> None:
    export = exports[name]
    by_address = export.resources_by_address()
    ids = {address: logical_id for address, (logical_id, _) in by_address.items()}
    for address, resource in export.desired.resources.items():
        if resource.type != "aws_scheduler_schedule":
            continue
        job = f"module.{resource.job}"
        body = by_address[address][1]
        target = body["Properties"]["Target"]
        assert body["Properties"]["GroupName"] == {
            "Ref": ids[f"{job}.aws_scheduler_schedule_group.ecs"]
        }
        assert target["RoleArn"] == {"Fn::GetAtt": [ids[f"{job}.aws_iam_role.scheduler"], "Arn"]}
        assert target["DeadLetterConfig"]["Arn"] == {
            "Fn::GetAtt": [ids[f"{job}.aws_sqs_queue.dlq"], "Arn"]
        }
        assert body["DependsOn"] == [ids[f"{job}.aws_iam_role_policy.scheduler"]]
        if "Input" in target:
            assert isinstance(target["Input"], str)


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_lookups_become_parameters_only_where_the_config_is_silent(
    name: str, exports: dict[str, Export]
) -> None:
    export = exports[name]
    parameters = export.template.get("Parameters", {})
    expected: set[str] = set()
    for job, task_definition in export.desired.task_definitions.items():
        needed: dict[LookupAttribute, bool] = {
            "task_definition_arn": task_definition.revision is None,
            "task_role_arn": task_definition.task_role_arn is None,
            "execution_role_arn": task_definition.execution_role_arn is None,
        }
        for attribute in [attribute for attribute, wanted in needed.items() if wanted]:
            logical_id = parameter_for(export.template, Lookup(job, attribute))
            expected.add(logical_id)
            parameter = parameters[logical_id]
            assert parameter["Type"] == "String"
            assert "aws ecs describe-task-definition" in parameter["Description"]
            assert f"--task-definition {task_definition.family}" in parameter["Description"]
            assert re.fullmatch(parameter["AllowedPattern"], "arn:aws:sts::1:role/x") is None
    assert set(parameters) == expected


def test_parameter_patterns_accept_only_this_family_and_account(
    exports: dict[str, Export],
) -> None:
    parameters = exports["daily-report"].template["Parameters"]
    task_definition = parameters["DailyReportTaskDefinitionArn"]["AllowedPattern"]
    role = parameters["DailyReportTaskRoleArn"]["AllowedPattern"]
    prefix = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition"
    assert re.fullmatch(task_definition, f"{prefix}/daily-report:12")
    assert not re.fullmatch(task_definition, f"{prefix}/other-report:12")
    assert not re.fullmatch(task_definition, f"{prefix}/daily-report")
    assert not re.fullmatch(
        task_definition, "arn:aws:ecs:us-west-2:123456789012:task-definition/daily-report:1"
    )
    assert re.fullmatch(role, f"arn:aws:iam::{ACCOUNT}:role/service/report-task")
    assert not re.fullmatch(role, "arn:aws:iam::210987654321:role/report-task")


def test_pinned_revision_needs_no_task_definition_parameter(exports: dict[str, Export]) -> None:
    one_time = exports["one-time"].template
    assert "Parameters" not in one_time
    [schedule] = [
        body
        for body in one_time["Resources"].values()
        if body["Type"] == CFN_TYPES["aws_scheduler_schedule"]
    ]
    assert schedule["Properties"]["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith(
        "task-definition/backfill-orders:7"
    )


def test_action_after_completion_is_recorded_where_cloudformation_cannot_set_it(
    exports: dict[str, Export],
) -> None:
    [schedule] = [
        body
        for body in exports["one-time"].template["Resources"].values()
        if body["Type"] == CFN_TYPES["aws_scheduler_schedule"]
    ]
    assert "ActionAfterCompletion" not in schedule["Properties"]
    metadata = schedule["Metadata"]["ecs-scheduler"]
    assert metadata["not-expressible-in-cloudformation"] == {"ActionAfterCompletion": "DELETE"}


def test_api_camel_case_becomes_cloudformation_pascal_case(exports: dict[str, Export]) -> None:
    resources = exports["capacity-providers"].template["Resources"]
    ecs = resources["SpotBatchSchedule"]["Properties"]["Target"]["EcsParameters"]
    assert ecs["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3, "Base": 1},
        {"CapacityProvider": "FARGATE", "Weight": 1, "Base": 0},
    ]
    assert "LaunchType" not in ecs
    assert resources["SpotBatchSchedule"]["Properties"]["EndDate"] == "2030-12-31T22:00:00Z"
    placement = exports["ec2-placement"].template["Resources"]["NightlyVacuumSchedule"]
    assert placement["Properties"]["Target"]["EcsParameters"]["PlacementStrategy"] == [
        {"Type": "spread", "Field": "attribute:ecs.availability-zone"},
        {"Type": "binpack", "Field": "memory"},
    ]


def test_disabled_alarms_leave_no_alarm_resources_or_outputs(exports: dict[str, Export]) -> None:
    template = exports["capacity-providers"].template
    types = {body["Type"] for body in template["Resources"].values()}
    assert CFN_TYPES["aws_cloudwatch_metric_alarm"] not in types
    assert not [key for key in template["Outputs"] if "Alarm" in key]


def test_colliding_pascal_case_keys_get_distinct_stable_ids(exports: dict[str, Export]) -> None:
    resources = exports["colliding-keys"].template["Resources"]
    groups = sorted(
        key
        for key, body in resources.items()
        if body["Type"] == CFN_TYPES["aws_scheduler_schedule_group"]
    )
    assert len(groups) == 2
    assert all(re.fullmatch(r"Sync1ScheduleGroup[0-9A-F]{8}", key) for key in groups)
    assert len([key for key in resources if key.startswith("Sync1ScheduleNightV2")]) == 2


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_outputs_cover_the_models_outputs_with_stack_prefixed_exports(
    name: str, exports: dict[str, Export]
) -> None:
    export = exports[name]
    arns = _arns_by_logical_id(export)
    outputs = export.template["Outputs"]
    expected_values = [
        item
        for job_outputs in export.desired.outputs.values()
        for value in job_outputs.values()
        for item in (value.values() if isinstance(value, Mapping) else [value])
    ]
    assert len(outputs) == len(expected_values)
    export_names = [output["Export"]["Name"] for output in outputs.values()]
    assert len(set(export_names)) == len(export_names)
    assert all(name.startswith(f"{export.desired.stack}-") for name in export_names)
    for output in outputs.values():
        assert "Fn::GetAtt" in output["Value"] or "Ref" in output["Value"]
    arn_outputs = [
        _with_arns_resolved(output["Value"], arns)
        for output in outputs.values()
        if output["Value"].get("Fn::GetAtt", [None, None])[1] == "Arn"
    ]
    assert sorted(arn_outputs) == sorted(
        value for value in expected_values if value.startswith("arn:")
    )


def test_unwritable_destination_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    desired = build(load(EXAMPLES_DIR / "daily-report.yaml", now=NOW).stack)
    with pytest.raises(CloudFormationExportError, match="cannot write the CloudFormation template"):
        export_cloudformation(desired, blocker / "out")


@pytest.mark.parametrize("example", EXAMPLES)
def test_golden_cloudformation_export(example: str, tmp_path: Path) -> None:
    desired = build(load(EXAMPLES_DIR / f"{example}.yaml", now=NOW).stack)
    written = export_cloudformation(desired, tmp_path)
    golden_dir = GOLDEN_DIR / example
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden_dir.mkdir(parents=True, exist_ok=True)
        for stale in golden_dir.glob("*.yaml"):
            stale.unlink()
        for path in written:
            (golden_dir / path.name).write_bytes(path.read_bytes())
    assert sorted(path.name for path in golden_dir.glob("*.yaml")) == sorted(
        path.name for path in written
    ), "run UPDATE_GOLDEN=1 .venv/bin/pytest tests/engines -k golden"
    for path in written:
        assert path.read_bytes() == (golden_dir / path.name).read_bytes(), (
            f"{path.name} differs from its golden file; if intended, regenerate with "
            "UPDATE_GOLDEN=1 .venv/bin/pytest tests/engines -k golden"
        )


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_pure_python_yaml_writes_the_same_bytes(name: str, exports: dict[str, Export]) -> None:
    """Installs without libyaml export exactly the same templates."""
    template = build_template(exports[name].desired)
    assert dump_template(template, PythonTemplateDumper) == exports[name].path.read_text(
        encoding="utf-8"
    )


# --------------------------------------------------------------------------- properties

job_keys = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
schedule_names = st.from_regex(r"[0-9A-Za-z_.-]{1,10}", fullmatch=True)


@st.composite
def stacks(draw: st.DrawFn) -> Stack:
    keys = draw(st.lists(job_keys, min_size=1, max_size=4, unique=True))
    jobs = {}
    for key in keys:
        extra = draw(st.lists(schedule_names, max_size=3, unique=True))
        jobs[key] = {
            **BASE_JOB,
            "enable_dlq_alarm": draw(st.booleans()),
            "additional_schedules": [
                {"name": name, "schedule_expression": "rate(2 hours)"} for name in extra
            ],
        }
    return Stack.model_validate({"stack": "prop", "jobs": jobs})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks())
def test_every_resource_and_output_gets_its_own_valid_logical_id(stack: Stack) -> None:
    desired = build(stack)
    template = build_template(desired)
    assert len(template["Resources"]) == len(desired.resources)
    parameter_ids = set(template.get("Parameters", {}))
    assert parameter_ids.isdisjoint(template["Resources"])
    for logical_id in [*template["Resources"], *parameter_ids, *template["Outputs"]]:
        assert LOGICAL_ID.fullmatch(logical_id), logical_id
    flattened = sum(
        len(value) if isinstance(value, Mapping) else 1
        for job_outputs in desired.outputs.values()
        for value in job_outputs.values()
    )
    assert len(template["Outputs"]) == flattened
    assert render_template(desired) == render_template(build(stack))


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.sampled_from(["A", "B", "C", "AB"])))
def test_unique_logical_ids_never_merge_identities(wanted: dict[str, str]) -> None:
    ids = unique_logical_ids(wanted)
    assert set(ids) == set(wanted)
    assert len(set(ids.values())) == len(ids)
    for identity, logical_id in ids.items():
        assert logical_id.startswith(wanted[identity])
        alone = [other for other, want in wanted.items() if want == wanted[identity]]
        assert (logical_id == wanted[identity]) == (len(alone) == 1)
