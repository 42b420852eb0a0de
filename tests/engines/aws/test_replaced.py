"""Reading what a job replaces, on the emulator over real HTTP: a v2-style tagged schedule with
its role, queue and alarm; a rule whose targets this job only partly replaces; an ARN that is
gone; one a stack owns. The reads feed the cut-over and the leftovers unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from ecs_scheduler.engines.aws import AwsClients
from ecs_scheduler.engines.aws.replaced import read_replaced
from ecs_scheduler.migration.cutover import (
    GoneSource,
    NewSchedule,
    RuleSource,
    RuleTarget,
    ScheduleSource,
    plan_cutover,
)
from ecs_scheduler.migration.leftovers import OldRole, leftovers
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_JOB, TAG_MANAGED_BY, TAG_STACK
from tests.conftest import EmulatedAccount
from tests.engines.aws.test_import import ecs_parameters

V2_TAGS = {
    "ResourceOwner": "data-team",
    "BillingEntity": "acme",
    "BillingDomain": "analytics",
    "SecurityDomain": "internal",
}
TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", '
    '"Principal": {"Service": "scheduler.amazonaws.com"}}]}'
)
POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:RunTask", '
    '"Resource": "*"}]}'
)
NOW = datetime(2026, 6, 1, 5, 59, 30, tzinfo=UTC)


def old_deployment(clients: AwsClients, account: EmulatedAccount) -> dict[str, str]:
    prereqs = account.prereqs
    iam, sqs, scheduler, events = clients.iam, clients.sqs, clients.scheduler, clients.events
    role = iam.create_role(RoleName="legacy-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="legacy-role", PolicyName="legacy", PolicyDocument=POLICY)
    iam.attach_role_policy(RoleName="legacy-role", PolicyArn=prereqs.permissions_boundary_arn)
    url = sqs.create_queue(QueueName="legacy-dlq")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    clients.cloudwatch.put_metric_alarm(
        AlarmName="legacy-dlq-visible",
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": "legacy-dlq"}],
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    scheduler.create_schedule_group(
        Name="legacy", Tags=[{"Key": k, "Value": v} for k, v in V2_TAGS.items()]
    )
    owned = {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_STACK: "reporting", TAG_JOB: "nightly"}
    scheduler.create_schedule_group(
        Name="owned", Tags=[{"Key": k, "Value": v} for k, v in owned.items()]
    )
    target = {"Arn": prereqs.cluster_arn, "RoleArn": role}
    for group, name in (("legacy", "nightly"), ("owned", "mine")):
        scheduler.create_schedule(
            Name=name,
            GroupName=group,
            ScheduleExpression="cron(0 2 * * ? *)",
            ScheduleExpressionTimezone="Europe/Paris",
            FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
            Target={
                **target,
                "EcsParameters": ecs_parameters(prereqs),
                "DeadLetterConfig": {"Arn": queue},
            },
        )
    rule = events.put_rule(Name="hourly", ScheduleExpression="cron(30 * * * ? *)")["RuleArn"]
    events.put_targets(
        Rule="hourly",
        Targets=[
            {**target, "Id": "ecs", "EcsParameters": ecs_parameters(prereqs)},
            {"Id": "audit", "Arn": f"arn:aws:sqs:{prereqs.region}:{prereqs.account_id}:audit"},
        ],
    )
    prefix = f"arn:aws:scheduler:{prereqs.region}:{prereqs.account_id}:schedule/"
    return {
        "schedule": prefix + "legacy/nightly",
        "owned": prefix + "owned/mine",
        "gone": prefix + "legacy/deleted-by-hand",
        "gone-rule": f"arn:aws:events:{prereqs.region}:{prereqs.account_id}:rule/gone",
        "rule": rule,
        "queue_url": url,
    }


def test_each_replaced_arn_is_read_into_the_cut_over_and_the_leftovers(
    prerequisites: EmulatedAccount,
) -> None:
    clients, prereqs = prerequisites.clients, prerequisites.prereqs
    arns = old_deployment(clients, prerequisites)
    family = prereqs.task_definition_arn.split("/")[-1].split(":")[0]
    replaced = [arns[key] for key in ("schedule", "rule", "gone", "gone-rule", "owned")]
    before = dict(clients.api_calls.calls)

    reads = read_replaced(clients, replaced, cluster_arn=prereqs.cluster_arn, task_family=family)

    calls = {name for name, count in clients.api_calls.calls.items() if count > before.get(name, 0)}
    assert all(name.split(".")[1].startswith(("List", "Get", "Describe")) for name in calls), calls
    schedule, rule, gone, gone_rule, owned = (read.source for read in reads)
    assert isinstance(schedule, ScheduleSource) and isinstance(rule, RuleSource)
    assert (schedule.expression, schedule.timezone, schedule.flexible_window_minutes) == (
        "cron(0 2 * * ? *)",
        "Europe/Paris",
        15,
    )
    assert schedule.enabled and schedule.owner_stack is None and schedule.created is not None
    assert rule.targets == (
        RuleTarget("ecs", prereqs.cluster_arn, True),
        RuleTarget("audit", f"arn:aws:sqs:{prereqs.region}:{prereqs.account_id}:audit", False),
    )
    assert gone == GoneSource(arns["gone"]) and gone_rule == GoneSource(arns["gone-rule"])
    assert isinstance(owned, ScheduleSource) and owned.owner_stack == "reporting"
    deployment = reads[0].deployment
    assert deployment is not None
    assert deployment.tags == V2_TAGS
    assert deployment.roles == (
        OldRole("legacy-role", ("legacy",), (prereqs.permissions_boundary_arn,)),
    )
    assert deployment.queue_urls == (arns["queue_url"],)
    assert deployment.alarm_names == ("legacy-dlq-visible",)
    assert deployment.group_emptied  # nightly was the group's only schedule

    cutover = plan_cutover(
        "nightly",
        "reporting",
        [NewSchedule("", "cron(0 2 * * ? *)", "Europe/Paris", 15)],
        [read.source for read in reads],
        now=NOW,
    )
    assert cutover.errors == (
        f"job nightly replaces {arns['owned']}, which stack reporting itself owns: a stack "
        "cannot replace its own resources; remove it from replaces.",
    )
    cutover = plan_cutover(
        "nightly",
        "reporting",
        [NewSchedule("", "cron(0 2 * * ? *)", "Europe/Paris", 15)],
        [read.source for read in reads[:4]],
        now=NOW,
    )
    assert [(r.arn, r.action, r.target_ids) for r in cutover.retirements] == [
        (arns["schedule"], "end", ()),
        (arns["rule"], "remove-targets", ("ecs",)),
    ]
    assert len(cutover.notes) == 2  # the two gone ARNs
    by_arn = {retirement.arn: retirement for retirement in cutover.retirements}
    found = leftovers([read.deployment for read in reads[:4] if read.deployment], by_arn)
    assert "aws iam delete-role --role-name legacy-role" in found.commands
    assert "aws scheduler delete-schedule-group --region us-east-1 --name legacy" in found.commands
    assert found.terraform_state_rm[0].startswith("terraform state list -id=legacy/nightly |")
