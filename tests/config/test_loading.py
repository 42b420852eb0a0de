"""Loading: examples, files of every kind, defaults, deprecations, anchors, many errors."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecs_scheduler.config import Job, parse_arn
from ecs_scheduler.expressions import AtExpression, CronExpression
from ecs_scheduler.loader import ConfigError, ConfigIssue, load, loads
from tests.config.cases import BASE, appended, edited
from tests.conftest import EXAMPLES_DIR

NOW = datetime(2026, 6, 1, tzinfo=UTC)
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))


def messages(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        loads(text, now=NOW)
    return str(caught.value).splitlines()


# --------------------------------------------------------------------------- examples


def test_the_four_seed_examples_exist() -> None:
    names = {path.name for path in EXAMPLES}
    assert {
        "daily-report.yaml",
        "multi-schedule.yaml",
        "one-time.yaml",
        "ec2-placement.yaml",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_example_loads_without_warnings(path: Path) -> None:
    result = load(path, now=NOW)
    assert result.warnings == ()
    assert result.path == str(path)
    for job in result.stack.jobs.values():
        assert (job.region, job.account, job.partition) == ("us-east-1", "123456789012", "aws")
        assert job.schedules[0].key == ""


def test_daily_report_is_six_am_in_new_york() -> None:
    job = load(EXAMPLES_DIR / "daily-report.yaml").stack.jobs["daily-report"]
    (spec,) = job.schedules
    assert isinstance(spec.expression, CronExpression)
    assert spec.expression_text == "cron(0 6 * * ? *)"
    assert spec.timezone == "America/New_York"
    assert spec.action_after_completion == "NONE"
    assert spec.description.startswith("Runs ECS task daily-report on cluster reporting-cluster")


def test_multi_schedule_resolves_inherited_values() -> None:
    stack = load(EXAMPLES_DIR / "multi-schedule.yaml").stack
    job = stack.jobs["sync-orders"]
    primary, evening, weekend = job.schedules
    assert [spec.key for spec in job.schedules] == ["", "evening", "weekend"]
    assert evening.timezone == weekend.timezone == "Europe/London"
    assert evening.flexible_time_window_minutes == 15
    assert evening.maximum_retry_attempts == primary.maximum_retry_attempts == 3
    assert weekend.maximum_retry_attempts == 1
    assert primary.overrides is None
    assert weekend.overrides is not None
    assert weekend.overrides.containerOverrides is not None
    assert weekend.overrides.containerOverrides[0].command == ["sync", "--since", "1d"]
    # Values from defaults: and the job's own.
    assert job.cluster_name == "batch"
    assert job.dlq_alarm_actions == ["arn:aws:sns:us-east-1:123456789012:batch-alerts"]


def test_one_time_job_defaults_to_delete_after_completion() -> None:
    job = load(EXAMPLES_DIR / "one-time.yaml").stack.jobs["backfill-2030"]
    (spec,) = job.schedules
    assert isinstance(spec.expression, AtExpression)
    assert spec.action_after_completion == "DELETE"
    assert spec.start_date is None
    assert spec.end_date is None


def test_ec2_example_keeps_its_placement() -> None:
    job = load(EXAMPLES_DIR / "ec2-placement.yaml").stack.jobs["nightly-vacuum"]
    assert job.effective_launch_type == "EC2"
    assert [strategy.type for strategy in job.placement_strategy] == ["spread", "binpack"]
    assert job.schedules[0].start_date == datetime(2026, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: no such file"


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load(tmp_path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: is a binary file, not YAML text"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("stack: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: is not UTF-8 text (byte 0xe9 at offset 10)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(BASE)
    path.chmod(0)
    with pytest.raises(ConfigError, match="permission denied"):
        load(path)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    assert messages(text) == [
        "ecs-scheduler.yaml: the file is empty: expected a mapping with 'stack' and 'jobs'"
    ]


def test_control_character_is_reported_where_it_is() -> None:
    assert messages("stack: a\njobs: \x08\n") == [
        "ecs-scheduler.yaml:2:7: the file contains a character YAML does not allow: U+0008"
    ]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert list(load(path).stack.jobs) == ["report"]


def test_issue_without_position_has_no_line() -> None:
    issue = ConfigIssue("a.yaml", None, None, "", "no such file")
    assert str(issue) == "a.yaml: no such file"
    assert str(ConfigIssue("a.yaml", 3, None, "stack", "bad")) == "a.yaml:3: stack: bad"


# --------------------------------------------------------------------------- many errors at once


def test_every_error_of_the_file_is_reported_sorted_by_line() -> None:
    text = edited(
        ("stack: data-platform", "stack: Data"),
        ("cron(0 6 * * ? *)", "cron(0 6 * * ? 1969)"),
        ("America/New_York", "Mars/Olympus"),
        ("maximum_retry_attempts: 5", "maximum_retry_attempts: 200\n    colour: blue"),
    )
    assert messages(text) == [
        "ecs-scheduler.yaml:1:8: stack: 'Data' is not a valid stack name: use 1-32 lowercase "
        "letters, digits and '-'",
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: cron field 6 (year): "
        "'1969' is out of range 1970-2199",
        "ecs-scheduler.yaml:8:15: jobs.report.timezone: 'Mars/Olympus' is not an IANA time zone "
        "name",
        "ecs-scheduler.yaml:17:29: jobs.report.maximum_retry_attempts: 200 is out of range 0-185",
        "ecs-scheduler.yaml:18:5: jobs.report.colour: unknown field",
    ]


def test_errors_of_several_jobs_are_reported_together() -> None:
    second_job = BASE.split("jobs:\n", 1)[1].replace("  report:", "  other:")
    text = edited(("maximum_retry_attempts: 5", "maximum_retry_attempts: -3")) + second_job.replace(
        "task_name: report", "task_name: 'bad name'"
    )
    assert messages(text) == [
        "ecs-scheduler.yaml:17:29: jobs.report.maximum_retry_attempts: -3 is out of range 0-185",
        "ecs-scheduler.yaml:21:16: jobs.other.task_name: 'bad name' is not a valid task "
        "definition family: use letters, digits, '_' and '-'",
    ]


# --------------------------------------------------------------------------- defaults


DEFAULTS_TEXT = """\
stack: shared
defaults:
  cluster_name: batch
  ecs_cluster_arn: arn:aws:ecs:us-east-1:123456789012:cluster/batch
  trusted_compute_subnets: [subnet-0a1b2c3d4e5f60718, subnet-0f9e8d7c6b5a40312]
  security_group_ids: [sg-0123456789abcdef0]
  kms_key_arn: arn:aws:kms:us-east-1:123456789012:alias/jobs
  resource_owner: data-team
  billing_entity: acme
  billing_domain: analytics
  security_domain: internal
  aws_region_short_code: use1
  maximum_retry_attempts: 3
  tags: {Team: data, Tier: batch}
jobs:
  first:
    task_name: first
    schedule_expression: rate(1 hour)
  second:
    task_name: second
    schedule_expression: rate(2 hours)
    maximum_retry_attempts: 9
    trusted_compute_subnets: [subnet-04c3b2a1908f7e6d5]
    tags: {Team: web}
"""


def test_defaults_fill_jobs_and_a_jobs_own_value_wins() -> None:
    jobs = loads(DEFAULTS_TEXT).stack.jobs
    assert jobs["first"].maximum_retry_attempts == 3
    assert jobs["second"].maximum_retry_attempts == 9
    assert jobs["first"].cluster_name == jobs["second"].cluster_name == "batch"


def test_defaults_lists_and_maps_replace_never_merge() -> None:
    jobs = loads(DEFAULTS_TEXT).stack.jobs
    assert jobs["first"].trusted_compute_subnets == [
        "subnet-0a1b2c3d4e5f60718",
        "subnet-0f9e8d7c6b5a40312",
    ]
    assert jobs["second"].trusted_compute_subnets == ["subnet-04c3b2a1908f7e6d5"]
    assert jobs["first"].tags == {"Team": "data", "Tier": "batch"}
    assert jobs["second"].tags == {"Team": "web"}


def test_an_error_in_defaults_is_reported_once_at_the_defaults_line() -> None:
    text = DEFAULTS_TEXT.replace("  maximum_retry_attempts: 3", "  maximum_retry_attempts: 300")
    assert messages(text) == [
        "ecs-scheduler.yaml:13:27: defaults.maximum_retry_attempts: 300 is out of range 0-185"
    ]


def test_a_cross_field_error_from_defaults_names_the_job() -> None:
    text = DEFAULTS_TEXT.replace(
        "    schedule_expression: rate(1 hour)\n",
        "    schedule_expression: rate(1 hour)\n    launch_type: EC2\n",
    ).replace(
        "  maximum_retry_attempts: 3\n",
        "  maximum_retry_attempts: 3\n  platform_version: '1.4.0'\n",
    )
    assert messages(text) == [
        "ecs-scheduler.yaml:14:21: defaults.platform_version: applies only to FARGATE; this "
        "job's launch type is EC2 (job 'first')"
    ]


def test_unknown_field_in_defaults_suggests_the_right_one() -> None:
    text = DEFAULTS_TEXT.replace("  maximum_retry_attempts: 3", "  maximum_retries: 3")
    assert messages(text) == [
        "ecs-scheduler.yaml:13:3: defaults.maximum_retries: unknown field; did you mean "
        "'maximum_retry_attempts'?"
    ]


def test_missing_required_field_everywhere_points_at_each_job() -> None:
    text = DEFAULTS_TEXT.replace("  resource_owner: data-team\n", "")
    assert messages(text) == [
        "ecs-scheduler.yaml:15:3: jobs.first.resource_owner: required field is missing",
        "ecs-scheduler.yaml:18:3: jobs.second.resource_owner: required field is missing",
    ]


def test_defaults_must_be_a_mapping() -> None:
    text = BASE.replace("jobs:\n", "defaults: [a, b]\njobs:\n")
    assert messages(text) == [
        "ecs-scheduler.yaml:2:11: defaults: expected a mapping of job fields, got a list"
    ]


# --------------------------------------------------------------------------- deprecation


def test_security_group_id_warns_and_folds_into_the_list() -> None:
    text = appended("    security_group_id: sg-0fedcba9876543210\n")
    result = loads(text, now=NOW)
    assert [str(warning) for warning in result.warnings] == [
        "ecs-scheduler.yaml:18:5: jobs.report.security_group_id: security_group_id is "
        "deprecated: use security_group_ids (its value is added to security_group_ids)"
    ]
    assert result.stack.jobs["report"].security_group_ids == [
        "sg-0123456789abcdef0",
        "sg-0fedcba9876543210",
    ]


def test_security_group_id_alone_becomes_the_list_and_is_validated_where_written() -> None:
    text = edited(
        ("    security_group_ids: [sg-0123456789abcdef0]\n", "    security_group_id: sg-1\n")
    )
    assert messages(text) == [
        "ecs-scheduler.yaml:10:24: jobs.report.security_group_ids[0]: 'sg-1' is not a security "
        "group id (sg-<8-17 hex digits>)"
    ]


def test_security_group_id_in_defaults_warns_once() -> None:
    text = DEFAULTS_TEXT.replace(
        "  security_group_ids: [sg-0123456789abcdef0]", "  security_group_id: sg-0123456789abcdef0"
    )
    result = loads(text, now=NOW)
    assert len(result.warnings) == 1
    assert str(result.warnings[0]).startswith("ecs-scheduler.yaml:6:3: defaults.security_group_id:")
    assert all(
        job.security_group_ids == ["sg-0123456789abcdef0"] for job in result.stack.jobs.values()
    )


def test_security_group_id_of_a_job_replaces_the_default_list() -> None:
    text = DEFAULTS_TEXT.replace(
        "    task_name: first\n",
        "    task_name: first\n    security_group_id: sg-0fedcba9876543210\n",
    )
    jobs = loads(text, now=NOW).stack.jobs
    assert jobs["first"].security_group_ids == ["sg-0fedcba9876543210"]
    assert jobs["second"].security_group_ids == ["sg-0123456789abcdef0"]


def test_a_bad_security_group_id_in_defaults_is_reported_in_defaults() -> None:
    text = DEFAULTS_TEXT.replace(
        "  security_group_ids: [sg-0123456789abcdef0]", "  security_group_id: sg-bad"
    )
    assert messages(text) == [
        "ecs-scheduler.yaml:6:22: defaults.security_group_ids[0]: 'sg-bad' is not a security "
        "group id (sg-<8-17 hex digits>)"
    ]


# --------------------------------------------------------------------------- YAML features


ANCHORED = """\
stack: anchored
x-common: &common
  cluster_name: batch
  ecs_cluster_arn: arn:aws:ecs:us-east-1:123456789012:cluster/batch
  trusted_compute_subnets: [subnet-0a1b2c3d4e5f60718]
  security_group_ids: &groups [sg-0123456789abcdef0]
  kms_key_arn: arn:aws:kms:us-east-1:123456789012:alias/jobs
  resource_owner: data-team
  billing_entity: acme
  billing_domain: analytics
  security_domain: internal
  aws_region_short_code: use1
  task_count: 2
jobs:
  one:
    <<: *common
    task_name: one
    schedule_expression: rate(5 minutes)
    task_count: 3
  two:
    <<: *common
    task_name: two
    schedule_expression: rate(10 minutes)
    security_group_ids: *groups
"""


def test_anchors_and_merge_keys() -> None:
    jobs = loads(ANCHORED).stack.jobs
    assert jobs["one"].task_count == 3
    assert jobs["two"].task_count == 2
    assert jobs["two"].security_group_ids == ["sg-0123456789abcdef0"]


def test_an_error_in_a_merged_value_points_at_where_it_is_written() -> None:
    text = ANCHORED.replace("  task_count: 2", "  task_count: 20")
    assert messages(text) == [
        "ecs-scheduler.yaml:13:15: jobs.two.task_count: 20 is out of range 1-10"
    ]


def test_yes_and_no_stay_strings() -> None:
    job = loads(edited(("billing_entity: acme", "billing_entity: no"))).stack.jobs["report"]
    assert job.billing_entity == "no"


def test_unquoted_date_times_keep_their_offset() -> None:
    text = appended("    start_date: 2026-01-01T08:00:00-05:00\n")
    job = loads(text, now=NOW).stack.jobs["report"]
    assert job.start_date == datetime(2026, 1, 1, 13, tzinfo=UTC)


def test_alias_expansion_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    (message,) = messages("\n".join(lines) + "\n")
    assert message.endswith("(YAML aliases?)")


def test_recursive_alias_is_refused() -> None:
    (message,) = messages("stack: &loop\n  - *loop\n")
    assert "nests deeper than" in message


def test_non_string_mapping_key() -> None:
    assert messages(BASE.replace("jobs:\n", "? [a, b]\n: c\njobs:\n")) == [
        "ecs-scheduler.yaml:2:3: mapping keys must be plain strings"
    ]


# --------------------------------------------------------------------------- schedules and ARNs


def test_generated_description_says_what_runs_and_when() -> None:
    (spec,) = loads(BASE).stack.jobs["report"].schedules
    assert spec.description == (
        "Runs ECS task report on cluster batch: At 06:00, every day (America/New_York)"
    )


def test_one_time_schedule_in_the_past_is_valid_but_warns() -> None:
    text = edited(("cron(0 6 * * ? *)", "at(2025-01-01T06:00:00)"))
    result = loads(text, now=NOW)
    assert [str(warning) for warning in result.warnings] == [
        "ecs-scheduler.yaml:7:26: jobs.report.schedule_expression: at(2025-01-01T06:00:00) will "
        "not fire again after 2026-06-01T00:00:00Z"
    ]


def test_additional_at_schedule_ignores_the_jobs_window() -> None:
    text = appended(
        "    start_date: 2026-01-01T00:00:00Z\n"
        "    additional_schedules:\n"
        "      - name: once\n"
        "        schedule_expression: at(2027-05-01T12:00:00)\n"
    )
    primary, once = loads(text, now=NOW).stack.jobs["report"].schedules
    assert primary.start_date == datetime(2026, 1, 1, tzinfo=UTC)
    assert (once.start_date, once.action_after_completion) == (None, "DELETE")


def test_other_partitions_are_accepted_when_consistent() -> None:
    text = BASE.replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1")
    job = loads(text).stack.jobs["report"]
    assert (job.partition, job.region) == ("aws-cn", "cn-north-1")


def test_kms_key_in_another_partition() -> None:
    text = edited(("arn:aws:kms:", "arn:aws-us-gov:kms:"))
    (message,) = messages(text)
    assert message.endswith("is in partition aws-us-gov, but ecs_cluster_arn is in aws")


def test_aws_managed_permissions_boundary_is_accepted() -> None:
    text = appended("    permissions_boundary_arn: arn:aws:iam::aws:policy/PowerUserAccess\n")
    job = loads(text).stack.jobs["report"]
    assert job.permissions_boundary_arn == "arn:aws:iam::aws:policy/PowerUserAccess"


def test_passed_roles_include_every_override() -> None:
    text = appended(
        "    task_role_arn: arn:aws:iam::123456789012:role/app\n"
        "    additional_schedules:\n"
        "      - name: admin\n"
        "        schedule_expression: rate(1 day)\n"
        "        overrides:\n"
        "          taskRoleArn: arn:aws:iam::123456789012:role/service-role/admin\n"
    )
    job = loads(text).stack.jobs["report"]
    assert job.passed_role_arns == (
        "arn:aws:iam::123456789012:role/app",
        "arn:aws:iam::123456789012:role/service-role/admin",
    )


def test_parse_arn_splits_and_rejects() -> None:
    arn = parse_arn("arn:aws:ecs:us-east-1:123456789012:cluster/batch")
    assert arn is not None
    assert (arn.service, arn.resource) == ("ecs", "cluster/batch")
    assert parse_arn("cluster/batch") is None


def test_capacity_providers_leave_the_launch_type_open() -> None:
    text = appended(
        "    platform_version: LATEST\n"
        "    capacity_provider_strategy:\n"
        "      - {capacity_provider: FARGATE_SPOT, weight: 3}\n"
        "      - {capacity_provider: FARGATE, weight: 1, base: 1}\n"
    )
    job = loads(text).stack.jobs["report"]
    assert job.effective_launch_type is None
    strategy = Job.model_fields["capacity_provider_strategy"]
    assert strategy.get_default(call_default_factory=True) == []


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [
        ("256", "512"),
        ("1024", "2048"),
        ("1 vCPU", "2 GB"),
        ("0.25 vcpu", "0.5 gb"),
        ("4 VCPU", "30 GB"),
    ],
)
def test_task_cpu_and_memory_overrides_take_the_forms_ecs_accepts(cpu: str, memory: str) -> None:
    text = appended(
        f"    overrides: {{cpu: '{cpu}', memory: '{memory}'}}\n"
        "    additional_schedules:\n"
        "      - name: evening\n"
        "        schedule_expression: cron(0 18 * * ? *)\n"
        f"        overrides: {{cpu: '{cpu}', memory: '{memory}'}}\n"
    )
    for spec in loads(text, now=NOW).stack.jobs["report"].schedules:
        assert spec.overrides is not None
        assert (spec.overrides.cpu, spec.overrides.memory) == (cpu, memory)


def test_one_capacity_provider_with_a_base_is_enough_for_a_strategy() -> None:
    text = appended(
        "    capacity_provider_strategy:\n"
        "      - {capacity_provider: FARGATE, base: 2, weight: 1}\n"
        "      - {capacity_provider: FARGATE_SPOT, base: 0, weight: 3}\n"
    )
    strategy = loads(text, now=NOW).stack.jobs["report"].capacity_provider_strategy
    assert [item.base for item in strategy] == [2, 0]


# --------------------------------------------------------------------------- never a traceback


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!str ", "!!null "]),
    st.one_of(
        st.text(alphabet="0123456789+-.:_xobeE abcTZ", max_size=20),
        st.integers(4000, 6000).map(lambda digits: "9" * digits),
    ),
    st.sampled_from(["task_count", "enabled", "start_date", "description"]),
)
def test_any_tagged_scalar_loads_or_raises_config_error(tag: str, value: str, name: str) -> None:
    try:
        loads(appended(f"    {name}: {tag}{value}\n"), now=NOW)
    except ConfigError as error:
        assert error.issues


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_loads_or_raises_config_error(text: str) -> None:
    try:
        loads(text, now=NOW)
    except ConfigError as error:
        assert error.issues
        assert all(str(issue).startswith("ecs-scheduler.yaml") for issue in error.issues)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_edit_of_a_valid_file_loads_or_raises_config_error(data: st.DataObject) -> None:
    lines = BASE.splitlines(keepends=True)
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    replacement = data.draw(
        st.one_of(
            st.just(""),
            st.sampled_from(["  x: 1\n", "- a\n", "    enabled: [\n", "    tags: {a: }\n"]),
            st.text(alphabet=" :-[]{}&*!|>'\"#\tabc019", max_size=30).map(lambda s: s + "\n"),
        ),
        label="replacement",
    )
    text = "".join(lines[:index]) + replacement + "".join(lines[index + 1 :])
    try:
        loads(text, now=NOW)
    except ConfigError as error:
        assert error.issues


def test_a_cluster_arn_with_a_trailing_newline_is_refused() -> None:
    arn = "arn:aws:ecs:us-east-1:123456789012:cluster/batch"
    text = edited((f"    ecs_cluster_arn: {arn}\n", f"    ecs_cluster_arn: |\n      {arn}\n"))
    (message,) = messages(text)
    assert message.startswith("ecs-scheduler.yaml:5:22: jobs.report.ecs_cluster_arn: ")
    assert message.endswith(
        "is not an ECS cluster ARN (arn:<partition>:ecs:<region>:<12-digit account>:cluster/<name>)"
    )
