"""End-to-end acceptance scenarios through the CLI against the emulator, as a user drives it.

Each scenario applies a config with ``ecs-scheduler``, changes live AWS by hand with boto3
(drift, deletions, messages in a dead-letter queue, resources squatting on our names), then
checks the exact plan, exit codes and the live state that follow.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from ecs_scheduler.loader import load
from ecs_scheduler.naming import JobNames, names_for_job
from ecs_scheduler.task_failures import target_id
from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount

pytestmark = pytest.mark.slow

GROUP = "aws_scheduler_schedule_group.ecs"
ROLE = "aws_iam_role.scheduler"
ROLE_POLICY = "aws_iam_role_policy.scheduler"
QUEUE = "aws_sqs_queue.dlq"
QUEUE_POLICY = "aws_sqs_queue_policy.dlq"
RULE = "aws_cloudwatch_event_rule.task_failed"


def alert_target(account: EmulatedAccount) -> str:
    """The task-failure rule's target for the jobs' one topic (the defaults' dlq_alarm_actions)."""
    return f'aws_cloudwatch_event_target.task_failed["{target_id(account.prereqs.sns_topic_arn)}"]'


def schedule(key: str = "") -> str:
    return f'aws_scheduler_schedule.ecs["{key}"]'


# ----------------------------------------------------------------------------------------------
# Configs and CLI


def job_template(account: EmulatedAccount) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rewritten multi-schedule example's defaults and its one job."""
    document = yaml.safe_load(account.configs["multi-schedule"].read_text())
    return document["defaults"], document["jobs"]["sync-orders"]


def write_config(
    account: EmulatedAccount,
    path: Path,
    stack: str,
    jobs: dict[str, dict[str, Any]],
) -> Path:
    defaults, _ = job_template(account)
    path.write_text(yaml.safe_dump({"stack": stack, "defaults": defaults, "jobs": jobs}))
    return path


def simple_job(account: EmulatedAccount, expression: str = "cron(0 7 * * ? *)") -> dict[str, Any]:
    """One schedule, no additional ones."""
    _, template = job_template(account)
    job = copy.deepcopy(template)
    job.pop("additional_schedules")
    job["schedule_expression"] = expression
    return job


def multi_job(account: EmulatedAccount) -> dict[str, Any]:
    """The example's job: primary schedule plus ``evening`` and ``weekend``."""
    return copy.deepcopy(job_template(account)[1])


def cli(account: EmulatedAccount, config: Path, *args: str) -> Any:
    return run_cli(*args, "-c", str(config), "--endpoint-url", account.endpoint_url)


def apply_ok(account: EmulatedAccount, config: Path, *extra: str) -> None:
    result = cli(account, config, "apply", "--auto-approve", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def plan_json(account: EmulatedAccount, config: Path) -> dict[str, Any]:
    """The plan as JSON; exit 1 when something is blocked (the config cannot converge)."""
    result = cli(account, config, "plan", "--json", "--detailed-exitcode")
    document: dict[str, Any] = json.loads(result.stdout)
    if document["blocked"]:
        expected = 1
        assert "without its ownership tags" in result.stderr
    else:
        expected = 2 if document["changes"] else 0
    assert result.returncode == expected, result.stdout + result.stderr
    return document


def changes(document: dict[str, Any]) -> dict[str, tuple[str, set[str]]]:
    """address -> (action, changed field paths)."""
    return {
        change["address"]: (change["action"], set(change["diff"])) for change in document["changes"]
    }


def assert_converged(account: EmulatedAccount, config: Path) -> None:
    result = cli(account, config, "plan", "--detailed-exitcode")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes." in result.stdout


def names(config: Path, job: str) -> JobNames:
    stack = load(config).stack
    return names_for_job(stack.stack, job, stack.jobs[job])


# ----------------------------------------------------------------------------------------------
# Live state


def group_exists(account: EmulatedAccount, name: str) -> bool:
    try:
        account.clients.scheduler.get_schedule_group(Name=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False
    return True


def schedules_in(account: EmulatedAccount, group: str) -> set[str]:
    listed = account.clients.scheduler.list_schedules(GroupName=group)["Schedules"]
    return {entry["Name"] for entry in listed}


def role_exists(account: EmulatedAccount, name: str) -> bool:
    try:
        account.clients.iam.get_role(RoleName=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchEntity"
        return False
    return True


def queue_url(account: EmulatedAccount, name: str) -> str | None:
    try:
        url: str = account.clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        assert "NonExistentQueue" in error.response["Error"]["Code"]
        return None
    return url


def alarms(account: EmulatedAccount, *alarm_names: str) -> dict[str, dict[str, Any]]:
    found = account.clients.cloudwatch.describe_alarms(AlarmNames=list(alarm_names))
    return {alarm["AlarmName"]: alarm for alarm in found["MetricAlarms"]}


def job_resources_exist(account: EmulatedAccount, job: JobNames) -> dict[str, bool]:
    return {
        "group": group_exists(account, job.schedule_group),
        "role": role_exists(account, job.role),
        "queue": queue_url(account, job.queue) is not None,
        "alarms": bool(alarms(account, job.alarm_messages_visible, job.alarm_oldest_message)),
    }


def nothing_of(account: EmulatedAccount, job: JobNames) -> None:
    assert job_resources_exist(account, job) == dict.fromkeys(
        ("group", "role", "queue", "alarms"), False
    )


def all_of(account: EmulatedAccount, job: JobNames) -> None:
    assert job_resources_exist(account, job) == dict.fromkeys(
        ("group", "role", "queue", "alarms"), True
    )
    assert schedules_in(account, job.schedule_group) == set(job.schedules.values())


def hand_update_schedule(account: EmulatedAccount, group: str, name: str, **fields: Any) -> None:
    """UpdateSchedule is a full replacement: send what is there with ``fields`` changed."""
    current = account.clients.scheduler.get_schedule(GroupName=group, Name=name)
    request = {
        key: current[key]
        for key in (
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "Description",
            "State",
            "FlexibleTimeWindow",
            "Target",
            "KmsKeyArn",
            "ActionAfterCompletion",
            "StartDate",
            "EndDate",
        )
        if key in current
    }
    request.update(fields)
    account.clients.scheduler.update_schedule(GroupName=group, Name=name, **request)


def hand_put_alarm(account: EmulatedAccount, name: str, **fields: Any) -> None:
    """PutMetricAlarm replaces the alarm: send what is there with ``fields`` changed."""
    cloudwatch = account.clients.cloudwatch
    current = alarms(account, name)[name]
    tags = cloudwatch.list_tags_for_resource(ResourceARN=current["AlarmArn"])["Tags"]
    request: dict[str, Any] = {
        key: current[key]
        for key in (
            "AlarmDescription",
            "ActionsEnabled",
            "OKActions",
            "AlarmActions",
            "InsufficientDataActions",
            "MetricName",
            "Namespace",
            "Statistic",
            "Dimensions",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
        )
        if key in current
    }
    request.update(fields)
    cloudwatch.put_metric_alarm(AlarmName=name, Tags=tags, **request)


TRUST_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
ALLOW_EVERYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


# ----------------------------------------------------------------------------------------------
# 1. Drift made by hand on every kind of resource


def test_drift_by_hand_is_planned_exactly_and_repaired(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    config = write_config(
        account,
        tmp_path / "ecs-scheduler.yaml",
        "drift",
        {"orders": multi_job(account), "stock": simple_job(account)},
    )
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")
    clients = account.clients

    hand_update_schedule(
        account,
        orders.schedule_group,
        orders.schedules[""],
        ScheduleExpression="cron(0 10 ? * MON-FRI *)",
        State="DISABLED",
    )
    evening = clients.scheduler.get_schedule(
        GroupName=orders.schedule_group, Name=orders.schedules["evening"]
    )
    target = {**evening["Target"], "RetryPolicy": {**evening["Target"]["RetryPolicy"]}}
    target["RetryPolicy"]["MaximumRetryAttempts"] = 9
    hand_update_schedule(account, orders.schedule_group, orders.schedules["evening"], Target=target)
    clients.iam.update_assume_role_policy(RoleName=orders.role, PolicyDocument=TRUST_EC2)
    clients.iam.put_role_policy(
        RoleName=orders.role, PolicyName=orders.role_policy, PolicyDocument=ALLOW_EVERYTHING
    )
    extra_policy = clients.iam.create_policy(
        PolicyName="hand-attached", PolicyDocument=ALLOW_EVERYTHING
    )["Policy"]["Arn"]
    clients.iam.attach_role_policy(RoleName=stock.role, PolicyArn=extra_policy)
    clients.iam.untag_role(RoleName=orders.role, TagKeys=["Team"])

    orders_url = queue_url(account, orders.queue)
    assert orders_url is not None
    orders_policy = clients.sqs.get_queue_attributes(
        QueueUrl=orders_url, AttributeNames=["Policy"]
    )["Attributes"]["Policy"]
    # The policy goes back with the change: moto clears it otherwise (AWS would keep it).
    clients.sqs.set_queue_attributes(
        QueueUrl=orders_url,
        Attributes={"MessageRetentionPeriod": "60", "Policy": orders_policy},
    )
    clients.sqs.untag_queue(QueueUrl=orders_url, TagKeys=["Team"])
    stock_url = queue_url(account, stock.queue)
    assert stock_url is not None
    clients.sqs.set_queue_attributes(
        QueueUrl=stock_url, Attributes={"KmsMasterKeyId": "alias/aws/sqs", "Policy": ""}
    )
    hand_put_alarm(account, stock.alarm_oldest_message, Threshold=7200.0, AlarmActions=[])
    group_arn = clients.scheduler.get_schedule_group(Name=stock.schedule_group)["Arn"]
    clients.scheduler.untag_resource(ResourceArn=group_arn, TagKeys=["Team"])

    document = plan_json(account, config)
    assert changes(document) == {
        f"module.orders.{schedule()}": (
            "update",
            {"ScheduleExpression", "State"},
        ),
        f"module.orders.{schedule('evening')}": (
            "update",
            {"Target.RetryPolicy.MaximumRetryAttempts"},
        ),
        f"module.orders.{ROLE}": ("update", {"AssumeRolePolicyDocument", "tags"}),
        f"module.orders.{ROLE_POLICY}": ("update", {"PolicyDocument"}),
        f"module.orders.{QUEUE}": ("update", {"Attributes.MessageRetentionPeriod", "tags"}),
        f"module.stock.{ROLE}": ("update", {"ManagedPolicyArns"}),
        f"module.stock.{QUEUE}": ("update", {"Attributes.KmsMasterKeyId"}),
        f"module.stock.{QUEUE_POLICY}": ("create", {"Policy"}),
        "module.stock.aws_cloudwatch_metric_alarm.dlq_oldest_message": (
            "update",
            {"Threshold", "AlarmActions"},
        ),
        f"module.stock.{GROUP}": ("update", {"tags"}),
    }
    assert document["blocked"] == []
    shown = cli(account, config, "plan")
    assert "Plan: 1 to add, 9 to change, 0 to replace, 0 to destroy." in shown.stdout
    assert 'ScheduleExpression: "cron(0 10 ? * MON-FRI *)" → "cron(0 9 ? * MON-FRI *)"' in (
        shown.stdout
    )
    assert 'State: "DISABLED" → "ENABLED"' in shown.stdout

    apply_ok(account, config)
    assert_converged(account, config)
    assert clients.iam.list_attached_role_policies(RoleName=stock.role)["AttachedPolicies"] == []
    primary = clients.scheduler.get_schedule(
        GroupName=orders.schedule_group, Name=orders.schedules[""]
    )
    assert (primary["ScheduleExpression"], primary["State"]) == (
        "cron(0 9 ? * MON-FRI *)",
        "ENABLED",
    )
    assert alarms(account, stock.alarm_oldest_message)[stock.alarm_oldest_message][
        "Threshold"
    ] == pytest.approx(3600.0)
    # The hand-made managed policy itself is not ours: detached, never deleted.
    assert clients.iam.get_policy(PolicyArn=extra_policy)["Policy"]["Arn"] == extra_policy


# ----------------------------------------------------------------------------------------------
# 2. Removal of a job and of a schedule from the config


def test_removed_job_and_schedule_are_deleted_and_nothing_else(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    jobs = {
        "orders": multi_job(account),
        "stock": simple_job(account),
        "audit": simple_job(account, "rate(6 hours)"),
    }
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "removal", jobs)
    apply_ok(account, config)
    orders, stock, audit = (names(config, job) for job in ("orders", "stock", "audit"))

    del jobs["stock"]
    jobs["orders"]["additional_schedules"] = [
        extra for extra in jobs["orders"]["additional_schedules"] if extra["name"] != "evening"
    ]
    write_config(account, config, "removal", jobs)
    document = plan_json(account, config)
    stock_addresses = {
        f"module.stock.{GROUP}",
        f"module.stock.{schedule()}",
        f"module.stock.{ROLE}",
        f"module.stock.{ROLE_POLICY}",
        f"module.stock.{QUEUE}",
        f"module.stock.{QUEUE_POLICY}",
        "module.stock.aws_cloudwatch_metric_alarm.dlq_messages_visible",
        "module.stock.aws_cloudwatch_metric_alarm.dlq_oldest_message",
        f"module.stock.{RULE}",
        f"module.stock.{alert_target(account)}",
    }
    assert changes(document) == {
        address: ("delete", set())
        for address in {*stock_addresses, f"module.orders.{schedule('evening')}"}
    }
    assert document["summary"]["delete"] == 11

    apply_ok(account, config)
    assert_converged(account, config)
    nothing_of(account, stock)
    assert schedules_in(account, orders.schedule_group) == {
        orders.schedules[""],
        orders.schedules["weekend"],
    }
    all_of(account, audit)

    # destroy of one named job removes only that job.
    destroyed = cli(account, config, "destroy", "audit", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert "10 to destroy" in destroyed.stdout
    nothing_of(account, audit)
    assert schedules_in(account, orders.schedule_group) == {
        orders.schedules[""],
        orders.schedules["weekend"],
    }


# ----------------------------------------------------------------------------------------------
# 3. A dead-letter queue holding messages


def test_dlq_with_messages_blocks_prune_and_destroy_until_forced(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    jobs = {"orders": simple_job(account), "stock": simple_job(account)}
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "dlq", jobs)
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")
    stock_url = queue_url(account, stock.queue)
    assert stock_url is not None
    account.clients.sqs.send_message(QueueUrl=stock_url, MessageBody='{"failed": "event"}')

    # destroy of the job: refused, nothing deleted.
    refused = cli(account, config, "destroy", "stock", "--auto-approve")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert "--force-delete-dlq-messages" in refused.stderr
    assert stock.queue in refused.stderr
    assert "1 message(s)" in refused.stderr
    all_of(account, stock)

    # prune with another change pending: refused before anything is written, even that change.
    del jobs["stock"]
    jobs["orders"]["description"] = "A new description"
    write_config(account, config, "dlq", jobs)
    document = plan_json(account, config)
    queue_change = next(
        change for change in document["changes"] if change["address"] == f"module.stock.{QUEUE}"
    )
    assert queue_change["action"] == "delete"
    assert "holds 1 message(s)" in queue_change["reason"]
    refused = cli(account, config, "apply", "--auto-approve")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Refusing to apply" in refused.stderr
    assert "Traceback" not in refused.stderr
    all_of(account, stock)
    primary = account.clients.scheduler.get_schedule(
        GroupName=orders.schedule_group, Name=orders.schedules[""]
    )
    assert primary["Description"] != "A new description"
    received = account.clients.sqs.get_queue_attributes(
        QueueUrl=stock_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert received["Attributes"]["ApproximateNumberOfMessages"] == "1"

    apply_ok(account, config, "--force-delete-dlq-messages")
    nothing_of(account, stock)
    assert_converged(account, config)


# ----------------------------------------------------------------------------------------------
# 4. Resources squatting on our names without our tags


def test_name_collisions_are_left_alone_and_block_only_their_job(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    clients = account.clients
    jobs = {
        key: simple_job(account) for key in ("clean", "taken-role", "taken-queue", "taken-group")
    }
    jobs["taken-alarm"] = simple_job(account)
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "collide", jobs)
    clean, role_job, queue_job, group_job, alarm_job = (
        names(config, job)
        for job in ("clean", "taken-role", "taken-queue", "taken-group", "taken-alarm")
    )

    clients.iam.create_role(RoleName=role_job.role, AssumeRolePolicyDocument=TRUST_EC2)
    foreign_queue = clients.sqs.create_queue(
        QueueName=queue_job.queue, Attributes={"MessageRetentionPeriod": "120"}
    )["QueueUrl"]
    clients.scheduler.create_schedule_group(Name=group_job.schedule_group)
    foreign_schedule = {
        "ScheduleExpression": "rate(1 day)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": account.prereqs.sns_topic_arn,
            "RoleArn": account.prereqs.execution_role_arn,
        },
    }
    clients.scheduler.create_schedule(
        Name="someone-elses", GroupName=group_job.schedule_group, **foreign_schedule
    )
    clients.cloudwatch.put_metric_alarm(
        AlarmName=alarm_job.alarm_messages_visible,
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=90.0,
        ComparisonOperator="GreaterThanThreshold",
    )

    document = plan_json(account, config)
    blocked = "\n".join(document["blocked"])
    assert len(document["blocked"]) == 4, blocked
    for address in (
        f"module.taken-role.{ROLE}",
        f"module.taken-queue.{QUEUE}",
        f"module.taken-group.{GROUP}",
        "module.taken-alarm.aws_cloudwatch_metric_alarm.dlq_messages_visible",
    ):
        assert address in blocked
    assert {address.split(".")[1] for address in changes(document)} == {"clean"}
    assert {action for action, _ in changes(document).values()} == {"create"}

    applied = cli(account, config, "apply", "--auto-approve")
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert "the rest was applied" in applied.stderr
    all_of(account, clean)

    # Nothing else of a blocked job was written, and the squatters are as they were.
    assert not group_exists(account, role_job.schedule_group)
    assert queue_url(account, role_job.queue) is None
    assert not role_exists(account, queue_job.role)
    assert not group_exists(account, alarm_job.schedule_group)
    assert not role_exists(account, group_job.role)
    foreign_role = clients.iam.get_role(RoleName=role_job.role)["Role"]
    assert foreign_role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }
    assert clients.iam.list_role_policies(RoleName=role_job.role)["PolicyNames"] == []
    assert clients.iam.list_role_tags(RoleName=role_job.role)["Tags"] == []
    assert clients.sqs.get_queue_attributes(
        QueueUrl=foreign_queue, AttributeNames=["MessageRetentionPeriod", "Policy"]
    )["Attributes"] == {"MessageRetentionPeriod": "120"}
    assert clients.sqs.list_queue_tags(QueueUrl=foreign_queue).get("Tags", {}) == {}
    assert schedules_in(account, group_job.schedule_group) == {"someone-elses"}
    foreign_alarm = alarms(account, alarm_job.alarm_messages_visible)
    assert foreign_alarm[alarm_job.alarm_messages_visible]["MetricName"] == "CPUUtilization"

    # The foreign queue's messages are not ours to count: it is not deleted, so no refusal.
    clients.sqs.send_message(QueueUrl=foreign_queue, MessageBody="theirs")
    destroyed = cli(account, config, "destroy", "--auto-approve")
    # What was left behind is listed, and the destroy did not finish its job: exit 1.
    assert destroyed.returncode == 1, destroyed.stdout + destroyed.stderr
    assert f"left alone: module.taken-queue.{QUEUE}" in destroyed.stderr
    nothing_of(account, clean)
    assert role_exists(account, role_job.role)
    assert queue_url(account, queue_job.queue) == foreign_queue
    assert schedules_in(account, group_job.schedule_group) == {"someone-elses"}
    assert alarms(account, alarm_job.alarm_messages_visible)


def test_stacks_whose_stack_and_job_join_alike_stay_apart(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    """Stack ``team`` job ``sync-stock`` and stack ``team-sync`` job ``stock`` share no name."""
    account = emulated_account
    first = write_config(
        account, tmp_path / "first.yaml", "team", {"sync-stock": simple_job(account)}
    )
    second = write_config(
        account,
        tmp_path / "second.yaml",
        "team-sync",
        {"stock": simple_job(account, "rate(1 hour)")},
    )
    assert names(first, "sync-stock").role != names(second, "stock").role
    apply_ok(account, first)
    apply_ok(account, second)
    for config in (first, second):
        document = plan_json(account, config)
        assert document["blocked"] == []
        assert document["changes"] == []

    destroyed = cli(account, second, "destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    all_of(account, names(first, "sync-stock"))
    assert plan_json(account, first)["changes"] == []


def test_two_stacks_never_touch_each_other(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    jobs = {"orders": multi_job(account), "stock": simple_job(account)}
    alpha = write_config(account, tmp_path / "alpha.yaml", "alpha", jobs)
    beta = write_config(account, tmp_path / "beta.yaml", "beta", jobs)
    write_config(account, tmp_path / "alpha-before.yaml", "alpha", jobs)
    apply_ok(account, alpha)
    apply_ok(account, beta)

    write_config(account, alpha, "alpha", {"orders": jobs["orders"]})
    document = plan_json(account, alpha)
    assert {address.split(".")[1] for address in changes(document)} == {"stock"}
    apply_ok(account, alpha)
    alpha_stock = names(tmp_path / "alpha-before.yaml", "stock")
    nothing_of(account, alpha_stock)
    all_of(account, names(alpha, "orders"))
    all_of(account, names(beta, "stock"))

    destroyed = cli(account, alpha, "destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    nothing_of(account, names(alpha, "orders"))
    all_of(account, names(beta, "orders"))
    all_of(account, names(beta, "stock"))
    assert_converged(account, beta)


# ----------------------------------------------------------------------------------------------
# 6. Schedules made by hand


def test_hand_made_schedules_in_owned_group_go_others_stay(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    scheduler = account.clients.scheduler
    config = write_config(
        account, tmp_path / "ecs-scheduler.yaml", "hand", {"orders": simple_job(account)}
    )
    apply_ok(account, config)
    orders = names(config, "orders")
    hand_made = scheduler.get_schedule(GroupName=orders.schedule_group, Name=orders.schedules[""])
    request = {
        "ScheduleExpression": "rate(5 minutes)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": hand_made["Target"],
    }
    scheduler.create_schedule(Name="by-hand", GroupName=orders.schedule_group, **request)
    scheduler.create_schedule(Name="by-hand-default", **request)
    scheduler.create_schedule_group(Name="hand-group")
    scheduler.create_schedule(Name="by-hand", GroupName="hand-group", **request)

    document = plan_json(account, config)
    assert [(change["action"]) for change in document["changes"]] == ["delete"]
    assert "by-hand" in json.dumps(document["changes"])

    apply_ok(account, config)
    assert_converged(account, config)
    assert schedules_in(account, orders.schedule_group) == {orders.schedules[""]}
    assert "by-hand-default" in schedules_in(account, "default")
    assert schedules_in(account, "hand-group") == {"by-hand"}

    destroyed = cli(account, config, "destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    nothing_of(account, orders)
    assert "by-hand-default" in schedules_in(account, "default")
    assert schedules_in(account, "hand-group") == {"by-hand"}


# ----------------------------------------------------------------------------------------------
# 7. A one-time schedule that fired and that AWS deleted


def test_finished_one_time_schedule_is_not_created_again(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    config = tmp_path / "one-time.yaml"
    config.write_text(account.configs["one-time"].read_text())
    apply_ok(account, config)
    job = names(config, "backfill-2030")
    assert schedules_in(account, job.schedule_group) == {job.schedules[""]}

    # Deleted by hand before its time: it has not fired, so it is created again.
    account.clients.scheduler.delete_schedule(GroupName=job.schedule_group, Name=job.schedules[""])
    document = plan_json(account, config)
    assert changes(document).keys() == {f"module.backfill-2030.{schedule()}"}
    apply_ok(account, config)
    assert schedules_in(account, job.schedule_group) == {job.schedules[""]}

    # Time passes: the schedule fires and AWS deletes it (ActionAfterCompletion=DELETE).
    config.write_text(
        config.read_text().replace("at(2030-03-01T02:30:00)", "at(2021-03-01T02:30:00)")
    )
    account.clients.scheduler.delete_schedule(GroupName=job.schedule_group, Name=job.schedules[""])
    result = cli(account, config, "plan", "--detailed-exitcode")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not created again" in result.stdout
    assert schedules_in(account, job.schedule_group) == set()

    # A config written after the time passed: the rest of the job exists, the schedule never.
    destroyed = cli(account, config, "destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    created = cli(account, config, "apply", "--auto-approve")
    assert created.returncode == 0, created.stdout + created.stderr
    assert "not created again" in created.stdout
    assert "8 to add" in created.stdout
    assert schedules_in(account, job.schedule_group) == set()
    assert role_exists(account, job.role)


# ----------------------------------------------------------------------------------------------
# 8. Half a stack deleted by hand (an interrupted apply, or an over-eager colleague)


def test_apply_converges_after_half_the_stack_is_deleted_by_hand(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    clients = account.clients
    config = write_config(
        account,
        tmp_path / "ecs-scheduler.yaml",
        "partial",
        {"orders": multi_job(account), "stock": simple_job(account)},
    )
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")

    clients.scheduler.delete_schedule(GroupName=orders.schedule_group, Name=orders.schedules[""])
    clients.iam.delete_role_policy(RoleName=orders.role, PolicyName=orders.role_policy)
    orders_url = queue_url(account, orders.queue)
    assert orders_url is not None
    clients.sqs.delete_queue(QueueUrl=orders_url)
    clients.scheduler.delete_schedule_group(Name=stock.schedule_group)
    clients.cloudwatch.delete_alarms(AlarmNames=[stock.alarm_oldest_message])

    document = plan_json(account, config)
    planned = {address: action for address, (action, _) in changes(document).items()}
    assert planned == dict.fromkeys(
        {
            f"module.orders.{schedule()}",
            f"module.orders.{ROLE_POLICY}",
            f"module.orders.{QUEUE}",
            f"module.orders.{QUEUE_POLICY}",
            f"module.stock.{GROUP}",
            f"module.stock.{schedule()}",
            "module.stock.aws_cloudwatch_metric_alarm.dlq_oldest_message",
        },
        "create",
    )

    apply_ok(account, config)
    assert_converged(account, config)
    all_of(account, orders)
    all_of(account, stock)


# ----------------------------------------------------------------------------------------------
# More drift: the fields a hand in the console is most likely to touch


def test_more_drift_on_schedules_role_queue_and_alarms(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    clients = account.clients
    config = write_config(
        account, tmp_path / "ecs-scheduler.yaml", "drift2", {"orders": multi_job(account)}
    )
    apply_ok(account, config)
    orders = names(config, "orders")
    group = orders.schedule_group

    weekend = clients.scheduler.get_schedule(GroupName=group, Name=orders.schedules["weekend"])
    target = copy.deepcopy(weekend["Target"])
    target.pop("Input")
    target["EcsParameters"]["TaskCount"] = 3
    vpc = target["EcsParameters"]["NetworkConfiguration"]["awsvpcConfiguration"]
    vpc["Subnets"] = vpc["Subnets"][:1]
    hand_update_schedule(
        account,
        group,
        orders.schedules["weekend"],
        Target=target,
        FlexibleTimeWindow={"Mode": "OFF"},
        Description="changed by hand",
        ScheduleExpressionTimezone="UTC",
        EndDate=datetime(2031, 1, 1, tzinfo=UTC),
    )
    evening = clients.scheduler.get_schedule(GroupName=group, Name=orders.schedules["evening"])
    evening_target = copy.deepcopy(evening["Target"])
    evening_target.pop("DeadLetterConfig")
    hand_update_schedule(account, group, orders.schedules["evening"], Target=evening_target)

    clients.iam.put_role_permissions_boundary(
        RoleName=orders.role, PermissionsBoundary=account.prereqs.permissions_boundary_arn
    )
    clients.iam.update_role(RoleName=orders.role, Description="by hand", MaxSessionDuration=7200)
    clients.iam.put_role_policy(
        RoleName=orders.role, PolicyName="hand-extra", PolicyDocument=ALLOW_EVERYTHING
    )
    clients.iam.tag_role(
        RoleName=orders.role,
        Tags=[{"Key": "Extra", "Value": "1"}, {"Key": "ResourceOwner", "Value": "someone"}],
    )

    url = queue_url(account, orders.queue)
    assert url is not None
    wide_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}
            ],
        }
    )
    clients.sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "VisibilityTimeout": "300",
            "KmsDataKeyReusePeriodSeconds": "600",
            "Policy": wide_policy,
        },
    )
    clients.sqs.tag_queue(QueueUrl=url, Tags={"Extra": "1"})
    hand_put_alarm(
        account,
        orders.alarm_messages_visible,
        OKActions=[account.prereqs.sns_topic_arn],
        TreatMissingData="breaching",
        EvaluationPeriods=5,
    )
    group_arn = clients.scheduler.get_schedule_group(Name=group)["Arn"]
    clients.scheduler.tag_resource(ResourceArn=group_arn, Tags=[{"Key": "Extra", "Value": "1"}])

    document = plan_json(account, config)
    assert changes(document) == {
        f"module.orders.{schedule('weekend')}": (
            "update",
            {
                "Description",
                "EndDate",
                "FlexibleTimeWindow.Mode",
                "FlexibleTimeWindow.MaximumWindowInMinutes",
                "ScheduleExpressionTimezone",
                "Target.EcsParameters.TaskCount",
                "Target.EcsParameters.NetworkConfiguration.awsvpcConfiguration.Subnets",
                "Target.Input.containerOverrides",
            },
        ),
        f"module.orders.{schedule('evening')}": (
            "update",
            {"Target.DeadLetterConfig.Arn"},
        ),
        f"module.orders.{ROLE}": (
            "update",
            {
                "PermissionsBoundary",
                "Description",
                "MaxSessionDuration",
                "OtherInlinePolicies",
                "tags",
            },
        ),
        f"module.orders.{QUEUE}": (
            "update",
            {"Attributes.VisibilityTimeout", "Attributes.KmsDataKeyReusePeriodSeconds", "tags"},
        ),
        f"module.orders.{QUEUE_POLICY}": ("update", {"Policy"}),
        "module.orders.aws_cloudwatch_metric_alarm.dlq_messages_visible": (
            "update",
            # Put without DatapointsToAlarm, which then means EvaluationPeriods (5), not 1.
            {"OKActions", "TreatMissingData", "EvaluationPeriods", "DatapointsToAlarm"},
        ),
        f"module.orders.{GROUP}": ("update", {"tags"}),
    }

    apply_ok(account, config)
    assert_converged(account, config)
    role = clients.iam.get_role(RoleName=orders.role)["Role"]
    assert "PermissionsBoundary" not in role
    assert role["MaxSessionDuration"] == 3600
    assert clients.iam.list_role_policies(RoleName=orders.role)["PolicyNames"] == [
        orders.role_policy
    ]
    assert "Extra" not in clients.sqs.list_queue_tags(QueueUrl=url)["Tags"]
    repaired = clients.scheduler.get_schedule(GroupName=group, Name=orders.schedules["weekend"])
    assert json.loads(repaired["Target"]["Input"])["containerOverrides"][0]["name"] == (
        account.prereqs.container_name
    )


# ----------------------------------------------------------------------------------------------
# DLQ: messages in flight or delayed count too; a rename (replace) is refused like a delete


def test_dlq_in_flight_and_delayed_messages_block_destroy_and_rename(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    sqs = account.clients.sqs
    jobs = {"orders": simple_job(account), "stock": simple_job(account)}
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "dlq2", jobs)
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")
    orders_url, stock_url = queue_url(account, orders.queue), queue_url(account, stock.queue)
    assert orders_url is not None and stock_url is not None
    sqs.send_message(QueueUrl=orders_url, MessageBody="failed")
    assert sqs.receive_message(QueueUrl=orders_url, VisibilityTimeout=600)["Messages"]
    sqs.send_message(QueueUrl=stock_url, MessageBody="failed", DelaySeconds=900)

    refused = cli(account, config, "destroy", "--auto-approve")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert orders.queue in refused.stderr and stock.queue in refused.stderr
    all_of(account, orders)
    all_of(account, stock)

    # A new naming part renames every resource: the old queue would go, with its message.
    renamed_jobs = copy.deepcopy(jobs)
    renamed_jobs["orders"]["billing_domain"] = "sales"
    renamed = write_config(account, tmp_path / "renamed.yaml", "dlq2", renamed_jobs)
    new_orders = names(renamed, "orders")
    assert new_orders.queue != orders.queue
    document = plan_json(account, renamed)
    queue_change = next(c for c in document["changes"] if c["address"] == f"module.orders.{QUEUE}")
    assert queue_change["action"] == "replace"
    assert "1 message(s)" in queue_change["reason"]
    assert {address.split(".")[1] for address in changes(document)} == {"orders"}
    refused = cli(account, renamed, "apply", "--auto-approve")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Refusing to apply" in refused.stderr
    nothing_of(account, new_orders)
    all_of(account, orders)

    apply_ok(account, renamed, "--force-delete-dlq-messages")
    assert_converged(account, renamed)
    nothing_of(account, orders)
    all_of(account, new_orders)
    all_of(account, stock)

    destroyed = cli(account, renamed, "destroy", "--auto-approve", "--force-delete-dlq-messages")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    nothing_of(account, new_orders)
    nothing_of(account, stock)


# ----------------------------------------------------------------------------------------------
# A job key renamed, alarms switched off


def test_renamed_job_key_and_disabled_alarms(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    jobs = {"orders": simple_job(account), "stock": simple_job(account)}
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "rekey", jobs)
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")

    # Someone's own alarm on our queue is theirs, whatever happens to ours.
    account.clients.cloudwatch.put_metric_alarm(
        AlarmName="team-pager-on-orders-dlq",
        MetricName="ApproximateNumberOfMessagesVisible",
        Namespace="AWS/SQS",
        Dimensions=[{"Name": "QueueName", "Value": orders.queue}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    jobs["inventory"] = jobs.pop("stock")
    jobs["orders"]["enable_dlq_alarm"] = False
    write_config(account, config, "rekey", jobs)
    document = plan_json(account, config)
    planned = {address: action for address, (action, _) in changes(document).items()}
    expected = {
        address.replace("module.stock.", f"module.{prefix}."): action
        for address, action in {
            f"module.stock.{GROUP}": "",
            f"module.stock.{schedule()}": "",
            f"module.stock.{ROLE}": "",
            f"module.stock.{ROLE_POLICY}": "",
            f"module.stock.{QUEUE}": "",
            f"module.stock.{QUEUE_POLICY}": "",
            "module.stock.aws_cloudwatch_metric_alarm.dlq_messages_visible": "",
            "module.stock.aws_cloudwatch_metric_alarm.dlq_oldest_message": "",
            f"module.stock.{RULE}": "",
            f"module.stock.{alert_target(account)}": "",
        }.items()
        for prefix, action in (("stock", "delete"), ("inventory", "create"))
    }
    expected["module.orders.aws_cloudwatch_metric_alarm.dlq_messages_visible"] = "delete"
    expected["module.orders.aws_cloudwatch_metric_alarm.dlq_oldest_message"] = "delete"
    assert planned == expected

    apply_ok(account, config)
    assert_converged(account, config)
    nothing_of(account, stock)
    all_of(account, names(config, "inventory"))
    assert alarms(account, orders.alarm_messages_visible, orders.alarm_oldest_message) == {}
    assert group_exists(account, orders.schedule_group)
    destroyed = cli(account, config, "destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert alarms(account, "team-pager-on-orders-dlq")


# ----------------------------------------------------------------------------------------------
# Our ownership tag changed by hand: the resource is no longer ours


def test_resource_retagged_to_another_stack_is_no_longer_ours(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    clients = account.clients
    jobs = {"orders": simple_job(account), "stock": simple_job(account)}
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "retag", jobs)
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")
    url = queue_url(account, stock.queue)
    assert url is not None
    clients.sqs.tag_queue(QueueUrl=url, Tags={"ecs-scheduler:stack": "someone-else"})
    hand_update_schedule(account, stock.schedule_group, stock.schedules[""], State="DISABLED")
    hand_update_schedule(account, orders.schedule_group, orders.schedules[""], State="DISABLED")

    document = plan_json(account, config)
    # The queue policy belongs through its queue: both are left alone.
    assert [entry.split(":")[0] for entry in document["blocked"]] == [
        f"module.stock.{QUEUE}",
        f"module.stock.{QUEUE_POLICY}",
    ]
    assert changes(document) == {f"module.orders.{schedule()}": ("update", {"State"})}
    applied = cli(account, config, "apply", "--auto-approve")
    assert applied.returncode == 1, applied.stdout + applied.stderr
    stock_primary = clients.scheduler.get_schedule(
        GroupName=stock.schedule_group, Name=stock.schedules[""]
    )
    assert stock_primary["State"] == "DISABLED"
    orders_primary = clients.scheduler.get_schedule(
        GroupName=orders.schedule_group, Name=orders.schedules[""]
    )
    assert orders_primary["State"] == "ENABLED"

    destroyed = cli(account, config, "destroy", "--auto-approve")
    assert destroyed.returncode == 1, destroyed.stdout + destroyed.stderr
    assert f"left alone: module.stock.{QUEUE}" in destroyed.stderr
    assert queue_url(account, stock.queue) == url
    assert clients.sqs.list_queue_tags(QueueUrl=url)["Tags"]["ecs-scheduler:stack"] == (
        "someone-else"
    )
    nothing_of(account, orders)
    assert not group_exists(account, stock.schedule_group)
    assert not role_exists(account, stock.role)


# ----------------------------------------------------------------------------------------------
# A removed job whose schedule was pointed by hand at someone else's role and queue


def test_pruned_job_never_deletes_foreign_role_or_queue_its_schedule_names(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    clients = account.clients
    jobs = {"orders": simple_job(account), "stock": simple_job(account)}
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "repoint", jobs)
    apply_ok(account, config)
    stock = names(config, "stock")
    foreign_url = clients.sqs.create_queue(QueueName="someone-elses-queue")["QueueUrl"]
    foreign_queue_arn = clients.sqs.get_queue_attributes(
        QueueUrl=foreign_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    current = clients.scheduler.get_schedule(
        GroupName=stock.schedule_group, Name=stock.schedules[""]
    )
    target = {
        **current["Target"],
        "RoleArn": account.prereqs.execution_role_arn,
        "DeadLetterConfig": {"Arn": foreign_queue_arn},
    }
    hand_update_schedule(account, stock.schedule_group, stock.schedules[""], Target=target)

    execution_role = account.prereqs.execution_role_arn.rsplit("/", 1)[1]
    foreign_role_before = clients.iam.get_role(RoleName=execution_role)["Role"]
    foreign_attached_before = clients.iam.list_attached_role_policies(RoleName=execution_role)

    del jobs["stock"]
    write_config(account, config, "repoint", jobs)
    result = cli(account, config, "apply", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    foreign_role_after = clients.iam.get_role(RoleName=execution_role)["Role"]
    assert foreign_role_after["RoleId"] == foreign_role_before["RoleId"]
    assert (
        clients.iam.list_attached_role_policies(RoleName=execution_role)["AttachedPolicies"]
        == foreign_attached_before["AttachedPolicies"]
    )
    assert queue_url(account, "someone-elses-queue") == foreign_url
    # Our own role and queue of that job are not left behind either.
    assert_converged(account, config)
    nothing_of(account, stock)


# ----------------------------------------------------------------------------------------------
# Destroy and prune after parts were already deleted by hand; updates beside a full DLQ


def test_destroy_finishes_a_stack_partly_deleted_by_hand(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    clients = account.clients
    jobs = {"orders": multi_job(account), "stock": simple_job(account)}
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "teardown", jobs)
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")

    # A DLQ holding messages does not stop an apply that keeps the queue.
    stock_url = queue_url(account, stock.queue)
    assert stock_url is not None
    clients.sqs.send_message(QueueUrl=stock_url, MessageBody="failed")
    jobs["stock"]["description"] = "changed"
    write_config(account, config, "teardown", jobs)
    apply_ok(account, config)
    assert queue_url(account, stock.queue) == stock_url

    clients.iam.delete_role_policy(RoleName=stock.role, PolicyName=stock.role_policy)
    clients.iam.delete_role(RoleName=stock.role)
    orders_url = queue_url(account, orders.queue)
    assert orders_url is not None
    clients.sqs.delete_queue(QueueUrl=orders_url)
    clients.scheduler.delete_schedule(
        GroupName=orders.schedule_group, Name=orders.schedules["weekend"]
    )
    destroyed = cli(account, config, "destroy", "--auto-approve", "--force-delete-dlq-messages")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    nothing_of(account, orders)
    nothing_of(account, stock)


def test_destroy_also_removes_jobs_already_gone_from_the_config(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    jobs = {"orders": simple_job(account), "stock": multi_job(account)}
    config = write_config(account, tmp_path / "ecs-scheduler.yaml", "leftover", jobs)
    apply_ok(account, config)
    orders, stock = names(config, "orders"), names(config, "stock")

    write_config(account, config, "leftover", {"orders": jobs["orders"]})
    document = cli(account, config, "destroy", "--auto-approve")
    assert document.returncode == 0, document.stdout + document.stderr
    assert "22 to destroy" in document.stdout
    nothing_of(account, orders)
    nothing_of(account, stock)


# ----------------------------------------------------------------------------------------------
# Policies rewritten by hand into an equivalent shape are not drift


def reshaped(value: Any, key: str = "") -> Any:
    """The same policy in another shape: one-element lists and scalars swapped, order reversed."""
    if isinstance(value, dict):
        return {
            inner_key: reshaped(inner, inner_key) for inner_key, inner in reversed(value.items())
        }
    if isinstance(value, list):
        items = [
            reshaped(item, key) if isinstance(item, dict) else item for item in reversed(value)
        ]
        return items[0] if len(items) == 1 and not isinstance(items[0], dict) else items
    # "Principal": "*" has no list form in the policy grammar.
    if isinstance(value, str) and key not in ("Version", "Effect", "Sid", "Principal"):
        return [value]
    return value


def test_equivalent_policy_shapes_written_by_hand_are_not_drift(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    account = emulated_account
    iam, sqs = account.clients.iam, account.clients.sqs
    config = write_config(
        account, tmp_path / "ecs-scheduler.yaml", "shapes", {"orders": simple_job(account)}
    )
    apply_ok(account, config)
    orders = names(config, "orders")

    trust = iam.get_role(RoleName=orders.role)["Role"]["AssumeRolePolicyDocument"]
    iam.update_assume_role_policy(RoleName=orders.role, PolicyDocument=json.dumps(reshaped(trust)))
    inline = iam.get_role_policy(RoleName=orders.role, PolicyName=orders.role_policy)
    iam.put_role_policy(
        RoleName=orders.role,
        PolicyName=orders.role_policy,
        PolicyDocument=json.dumps(reshaped(inline["PolicyDocument"]), indent=4),
    )
    url = queue_url(account, orders.queue)
    assert url is not None
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(reshaped(policy))})

    assert_converged(account, config)
