"""The CloudFormation export: cfn-lint clean, equivalent to the model, stable byte for byte.

Regenerate the golden files after an intended change with::

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/engines -k golden
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecs_scheduler.config import Stack
from ecs_scheduler.engines.cloudformation import (
    CloudFormationExportError,
    build_template,
    export_cloudformation,
    is_inline,
    pascal_case,
    render_template,
    unique_logical_ids,
)
from ecs_scheduler.engines.cloudformation_yaml import PythonTemplateDumper, dump_template
from ecs_scheduler.kinds import KINDS
from ecs_scheduler.loader import load
from ecs_scheduler.resources import (
    DesiredState,
    Lookup,
    LookupAttribute,
    build,
    resolve,
    resolve_refs,
)
from tests.conftest import EXAMPLES_DIR, REPO_ROOT

GOLDEN_DIR = Path(__file__).parent / "golden" / "cloudformation"
CFN_TYPES = {resource_type: kind.cloudformation_type for resource_type, kind in KINDS.items()}
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
    if suffix in {"Ref", "Condition"}:
        return {suffix: value}
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
    """cfn-lint's errors and warnings, by export; linted once, as starting it is slow.

    One run lints every template: each run loads all of cfn-lint's rules first, which was
    half the cost of linting a template alone.
    """
    from cfnlint.api import ManualArgs, lint_by_config

    by_path = {str(export.path): name for name, export in exports.items()}
    findings: dict[str, list[str]] = {name: [] for name in exports}
    for match in lint_by_config(ManualArgs(templates=list(by_path))):
        findings[by_path[match.filename]].append(
            f"{match.rule.id} {match.message} (line {match.linenumber})"
        )
    return findings


ALL_EXPORTS = [*EXAMPLES, *EXTRA_STACKS]


def test_examples_exist() -> None:
    assert EXAMPLES, f"no examples in {EXAMPLES_DIR}"


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_template_passes_cfn_lint(name: str, lint_findings: dict[str, list[str]]) -> None:
    assert lint_findings[name] == []


def test_checkov_finds_no_failed_check_in_any_template(
    exports: dict[str, Export], tmp_path: Path
) -> None:
    """No check is skipped here: a justified skip would be written into the template itself."""
    binary = os.environ.get("CHECKOV") or str(REPO_ROOT / ".venv-checkov" / "bin" / "checkov")
    if not Path(binary).exists() and shutil.which(binary) is None:
        pytest.skip("checkov is not installed (set CHECKOV or create .venv-checkov)")
    for name, export in exports.items():
        shutil.copy(export.path, tmp_path / f"{name}.yaml")
    completed = subprocess.run(
        [
            binary,
            *("-d", str(tmp_path), "--framework", "cloudformation"),
            *("--quiet", "--compact", "-o", "json", "--skip-download"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    reports = json.loads(completed.stdout)
    for report in reports if isinstance(reports, list) else [reports]:
        failed = [
            (check["check_id"], check["resource"], check["file_path"])
            for check in report["results"]["failed_checks"]
        ]
        assert failed == []
        assert report["summary"]["parsing_errors"] == 0
        assert report["summary"]["passed"] > 0
        assert report["summary"]["skipped"] == 0


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_one_template_per_stack_named_after_it(name: str, exports: dict[str, Export]) -> None:
    export = exports[name]
    assert export.path.name == f"{export.desired.stack}.yaml"
    assert list(export.template) == [
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        *(["Parameters"] if export.template.get("Parameters") else []),
        "Rules",
        *(["Conditions"] if export.template.get("Conditions") else []),
        "Resources",
        "Outputs",
    ]
    assert export.template["Metadata"]["ecs-scheduler"]["stack"] == export.desired.stack


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_every_model_resource_is_one_template_resource(
    name: str, exports: dict[str, Export]
) -> None:
    """... or, for a kind CloudFormation has no type of its own for (a rule's target), one
    item inside its parent's template resource, whose metadata lists its address."""
    export = exports[name]
    by_address = export.resources_by_address()
    resources = export.desired.resources
    assert list(by_address) == [a for a, r in resources.items() if not is_inline(r.type)]
    inline = [
        member
        for _, body in by_address.values()
        for member in body["Metadata"]["ecs-scheduler"].get("inline", [])
    ]
    assert inline == [a for a, r in resources.items() if is_inline(r.type)]
    for address, resource in resources.items():
        if is_inline(resource.type):
            assert resource.parent is not None
            assert address in by_address[resource.parent][1]["Metadata"]["ecs-scheduler"]["inline"]
            continue
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
        "aws_cloudwatch_event_rule": "Name",
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


_ABSENT = object()


@dataclass(frozen=True)
class Evaluation:
    """What CloudFormation makes of template data for given parameter values: conditions,
    ``!If``, parameter ``!Ref`` and ``!GetAtt X.Arn`` resolved; other ``!Ref`` kept."""

    template: Mapping[str, Any]
    parameters: Mapping[str, str]
    arns: Mapping[str, str]

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template["Conditions"][name]))

    def value(self, data: Any) -> Any:
        if isinstance(data, dict) and len(data) == 1:
            [(function, argument)] = data.items()
            if function == "Ref" and argument == "AWS::NoValue":
                return _ABSENT
            if function == "Ref" and argument in self.parameters:
                return self.parameters[argument]
            if function == "Fn::GetAtt" and argument[1] == "Arn":
                return self.arns[argument[0]]
            if function == "Fn::If":
                return self.value(argument[1] if self.condition(argument[0]) else argument[2])
            if function == "Fn::Not":
                return not self.value(argument[0])
            if function == "Fn::Equals":
                return self.value(argument[0]) == self.value(argument[1])
            if function == "Fn::Or":
                return any(self.value(item) for item in argument)
            if function == "Condition":
                return self.condition(argument)
        if isinstance(data, dict):
            evaluated = {key: self.value(item) for key, item in data.items()}
            return {key: item for key, item in evaluated.items() if item is not _ABSENT}
        if isinstance(data, list):
            return [item for item in map(self.value, data) if item is not _ABSENT]
        return data


def parameter_for(template: Mapping[str, Any], lookup: Lookup) -> str:
    """The parameter standing for ``lookup``: in its job's parameter group, named after it."""
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    [group] = [g for g in groups if g["Label"]["default"].endswith(f" job {lookup.job}")]
    wanted = pascal_case(lookup.job) + PARAMETER_SUFFIXES[lookup.attribute]
    [parameter] = [p for p in group["Parameters"] if p.startswith(wanted)]
    return str(parameter)


def needed_lookups(desired: DesiredState) -> list[Lookup]:
    """What the config leaves to the task definition, job by job."""
    needed: list[Lookup] = []
    for job, task_definition in desired.task_definitions.items():
        if task_definition.revision is None:
            needed.append(Lookup(job, "task_definition_arn"))
        if task_definition.task_role_arn is None:
            needed.append(Lookup(job, "task_role_arn"))
        if task_definition.execution_role_arn is None:
            needed.append(Lookup(job, "execution_role_arn"))
    return needed


def looked_up_value(desired: DesiredState, lookup: Lookup) -> str:
    family = desired.task_definitions[lookup.job].family
    if lookup.attribute == "task_definition_arn":
        return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:3"
    return f"arn:aws:iam::{ACCOUNT}:role/{family}-{lookup.attribute}"


def evaluate_with(export: Export, absent: frozenset[Lookup]) -> tuple[Evaluation, DesiredState]:
    """The template evaluated, and the model resolved, for the same looked-up values; the
    ``absent`` lookups are empty parameters and missing values respectively."""
    values: dict[str, dict[LookupAttribute, str | None]] = {}
    parameters: dict[str, str] = {}
    for lookup in needed_lookups(export.desired):
        value = None if lookup in absent else looked_up_value(export.desired, lookup)
        values.setdefault(lookup.job, {})[lookup.attribute] = value
        parameters[parameter_for(export.template, lookup)] = value or ""
    evaluation = Evaluation(export.template, parameters, _arns_by_logical_id(export))
    return evaluation, resolve(export.desired, values)


POLICY_PROPERTIES = {
    "aws_iam_role": ("AssumeRolePolicyDocument", "AssumeRolePolicyDocument"),
    "aws_iam_role_policy": ("PolicyDocument", "PolicyDocument"),
    "aws_sqs_queue_policy": ("Policy", "PolicyDocument"),
}


def assert_policies_match_the_model(export: Export, absent: frozenset[Lookup]) -> int:
    evaluation, resolved = evaluate_with(export, absent)
    by_address = export.resources_by_address()
    checked = 0
    for address, resource in resolved.resources.items():
        if resource.type not in POLICY_PROPERTIES:
            continue
        model_key, template_key = POLICY_PROPERTIES[resource.type]
        rendered = by_address[address][1]["Properties"][template_key]
        assert evaluation.value(rendered) == resource.properties[model_key], address
        checked += 1
    return checked


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_policies_are_the_models_documents(name: str, exports: dict[str, Export]) -> None:
    """Rendered from policies.py's dicts: for the same task definition, CloudFormation ends
    up with exactly the documents the AWS engine applies."""
    export = exports[name]
    checked = assert_policies_match_the_model(export, frozenset())
    assert checked == 3 * len(export.template["Metadata"]["ecs-scheduler"]["jobs"])


@pytest.mark.parametrize(
    "absent",
    [
        frozenset({Lookup("daily-report", "task_role_arn")}),
        frozenset({Lookup("daily-report", "execution_role_arn")}),
        frozenset(
            {Lookup("daily-report", "task_role_arn"), Lookup("daily-report", "execution_role_arn")}
        ),
    ],
)
def test_roles_a_task_definition_lacks_drop_out_as_in_the_aws_engine(
    absent: frozenset[Lookup], exports: dict[str, Export]
) -> None:
    export = exports["daily-report"]
    assert_policies_match_the_model(export, absent)
    evaluation, _ = evaluate_with(export, absent)
    [policy] = [
        body["Properties"]["PolicyDocument"]
        for body in export.template["Resources"].values()
        if body["Type"] == CFN_TYPES["aws_iam_role_policy"]
    ]
    statements = {
        statement["Sid"]: statement for statement in evaluation.value(policy)["Statement"]
    }
    if len(absent) == 2:
        assert "PassTaskRolesToEcsTasks" not in statements
    else:
        assert len(statements["PassTaskRolesToEcsTasks"]["Resource"]) == 1


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
    own_urls = {
        resolve_refs(output["dlq_url"], export.desired.resources)
        for output in export.desired.outputs.values()
    }
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
        for value in resolve_refs(job_outputs, export.desired.resources).values()
        for item in (value.values() if isinstance(value, Mapping) else [value])
    ]
    assert len(outputs) == len(expected_values)
    export_names = [output["Export"]["Name"] for output in outputs.values()]
    assert len(set(export_names)) == len(export_names)
    assert all(name.startswith(f"{export.desired.stack}-") for name in export_names)
    for output in outputs.values():
        assert "Fn::GetAtt" in output["Value"] or "Ref" in output["Value"]
    evaluation = Evaluation(export.template, {}, arns)
    arn_outputs = [
        evaluation.value(output["Value"])
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


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_the_stack_only_deploys_to_the_jobs_account_and_region(
    name: str, exports: dict[str, Export]
) -> None:
    export = exports[name]
    [job] = list(export.desired.task_definitions)[:1]
    cluster = export.desired.resources[f'module.{job}.aws_scheduler_schedule.ecs[""]']
    _, _, _, region, account, _ = cluster.properties["Target"]["Arn"].split(":")
    [rule] = export.template["Rules"].values()
    asserted = [assertion["Assert"]["Fn::Equals"] for assertion in rule["Assertions"]]
    assert asserted == [[{"Ref": "AWS::AccountId"}, account], [{"Ref": "AWS::Region"}, region]]


def test_jobs_in_several_regions_cannot_share_one_template() -> None:
    elsewhere = {
        **BASE_JOB,
        "ecs_cluster_arn": f"arn:aws:ecs:us-west-2:{ACCOUNT}:cluster/jobs",
        "kms_key_arn": f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    }
    stack = Stack.model_validate(
        {"stack": "spread", "jobs": {"here": BASE_JOB, "there": elsewhere}}
    )
    with pytest.raises(CloudFormationExportError) as raised:
        build_template(build(stack))
    assert "here in eu-west-1 of account 123456789012; there in us-west-2" in str(raised.value)


def test_a_stack_over_cloudformation_quotas_is_refused_with_the_reason() -> None:
    jobs = {f"job-{index:02d}": BASE_JOB for index in range(16)}
    desired = build(Stack.model_validate({"stack": "big", "jobs": jobs}))
    with pytest.raises(CloudFormationExportError) as raised:
        render_template(desired)
    message = str(raised.value)
    assert "stack big (16 jobs)" in message
    # 15 outputs a job: 13, and the task-failure rule's name and ARN.
    assert "240 outputs (at most 200)" in message
    assert "split the jobs into several config files" in message


def test_a_start_date_that_has_passed_is_left_out_as_the_aws_engine_does() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    stack = Stack.model_validate(
        {"stack": "dated", "jobs": {"report": {**BASE_JOB, "start_date": start.isoformat()}}}
    )
    desired = build(stack)

    def start_dates(now: datetime) -> list[Any]:
        template = build_template(desired, now=now)
        return [
            body["Properties"].get("StartDate")
            for body in template["Resources"].values()
            if body["Type"] == "AWS::Scheduler::Schedule"
        ]

    assert start_dates(start - timedelta(seconds=1)) == ["2030-01-01T00:00:00Z"]
    assert start_dates(start) == [None]


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
