"""AWS changes between plan and apply (the confirmation prompt waits as long as the person
takes), and what others keep under this stack's name: apply never takes over a resource someone
else made meanwhile, never deletes a message that arrived meanwhile, and a plan never removes
what another config of the same stack name made."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ecs_scheduler.engines.aws import AwsClients, apply, plan
from ecs_scheduler.resources import DesiredState, Resource, resolve_refs
from tests.conftest import EmulatedAccount
from tests.engines.aws.conftest import DesiredFactory

JOB = "daily-report"
FOREIGN_TAGS = {"Team": "someone-else", "ecs-scheduler:stack": "reporting"}
Snapshot = Callable[[], Any]


def _resource(desired: DesiredState, resource_type: str, name: str, job: str = JOB) -> Resource:
    return next(
        resource
        for resource in desired.resources.values()
        if (resource.job, resource.type, resource.name) == (job, resource_type, name)
    )


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def _foreign_group(clients: AwsClients, name: str) -> Snapshot:
    scheduler = clients.scheduler
    scheduler.create_schedule_group(Name=name, Tags=_tag_list(FOREIGN_TAGS))

    def snapshot() -> Any:
        group = _without_metadata(scheduler.get_schedule_group(Name=name))
        tags = scheduler.list_tags_for_resource(ResourceArn=group["Arn"])["Tags"]
        return group, tags

    return snapshot


def _foreign_role(clients: AwsClients, name: str) -> Snapshot:
    iam = clients.iam
    boundary = iam.create_policy(
        PolicyName="their-boundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
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
        ),
        Description="theirs",
        PermissionsBoundary=boundary,
        Tags=_tag_list(FOREIGN_TAGS),
    )

    def snapshot() -> Any:
        return (
            iam.get_role(RoleName=name)["Role"],
            iam.list_role_tags(RoleName=name)["Tags"],
            iam.list_role_policies(RoleName=name)["PolicyNames"],
            iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
        )

    return snapshot


def _foreign_queue(clients: AwsClients, name: str) -> Snapshot:
    sqs = clients.sqs
    url = sqs.create_queue(
        QueueName=name,
        Attributes={"MessageRetentionPeriod": "60", "VisibilityTimeout": "5"},
        tags=FOREIGN_TAGS,
    )["QueueUrl"]

    def snapshot() -> Any:
        return (
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"],
            sqs.list_queue_tags(QueueUrl=url)["Tags"],
        )

    return snapshot


def _foreign_alarm(clients: AwsClients, name: str) -> Snapshot:
    cloudwatch = clients.cloudwatch
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=90.0,
        ComparisonOperator="GreaterThanThreshold",
        Tags=_tag_list(FOREIGN_TAGS),
    )

    def snapshot() -> Any:
        alarms = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        tags = cloudwatch.list_tags_for_resource(ResourceARN=alarms[0]["AlarmArn"])["Tags"]
        return alarms, tags

    return snapshot


COLLISIONS: dict[str, tuple[str, str, Callable[[AwsClients, str], Snapshot]]] = {
    "schedule group": ("aws_scheduler_schedule_group", "ecs", _foreign_group),
    "IAM role": ("aws_iam_role", "scheduler", _foreign_role),
    "SQS queue": ("aws_sqs_queue", "dlq", _foreign_queue),
    "CloudWatch alarm": ("aws_cloudwatch_metric_alarm", "dlq_oldest_message", _foreign_alarm),
}


@pytest.mark.parametrize("kind", sorted(COLLISIONS))
def test_a_resource_made_under_our_name_after_the_plan_is_left_byte_identical(
    kind: str, clients: AwsClients, desired_from: DesiredFactory
) -> None:
    resource_type, name, make_foreign = COLLISIONS[kind]
    desired = desired_from("daily-report")
    planned = plan(desired, clients)
    target = _resource(desired, resource_type, name)
    assert any(c.address == target.address and c.action == "create" for c in planned.changes)
    snapshot = make_foreign(clients, target.aws_name)
    before = snapshot()

    result = apply(planned, clients)

    assert snapshot() == before
    assert len(result.blocked) == 1
    assert result.blocked[0].startswith(f"{target.address}: {kind} {target.aws_name} was ")
    assert "created by someone else after the plan" in result.blocked[0]
    assert target.address not in {change.address for change in result.applied}
    # Nothing of the job that depends on it was written: no schedule runs with half a job.
    assert clients.scheduler.list_schedules()["Schedules"] == []
    # The next plan sees the collision, and a destroy leaves it alone.
    again = plan(desired, clients)
    assert any(line.startswith(f"{target.address}: ") for line in again.blocked)
    destroy = plan(desired, clients, destroy_all=True)
    assert target.address not in {change.address for change in destroy.changes}
    apply(destroy, clients)
    assert snapshot() == before


def test_a_resource_an_interrupted_apply_made_is_still_taken_up(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    """'Already exists' with our tags is our own earlier write: the apply converges."""
    desired = desired_from("daily-report")
    planned = plan(desired, clients)
    role = _resource(desired, "aws_iam_role", "scheduler")
    clients.iam.create_role(
        RoleName=role.aws_name,
        AssumeRolePolicyDocument=json.dumps(
            resolve_refs(role.properties["AssumeRolePolicyDocument"], desired.resources)
        ),
        Tags=_tag_list(dict(role.tags)),
    )

    result = apply(planned, clients)

    assert result.blocked == ()
    assert plan(desired, clients).changes == ()


def _send_to_queue(clients: AwsClients, queue: Resource) -> None:
    url = clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"]
    clients.sqs.send_message(QueueUrl=url, MessageBody="an event that failed after the plan")


def test_a_message_arriving_between_plan_and_delete_keeps_the_queue(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    destroy = plan(desired, clients, destroy_all=True)
    queue = _resource(desired, "aws_sqs_queue", "dlq")
    _send_to_queue(clients, queue)

    result = apply(destroy, clients)

    assert len(result.blocked) == 1
    assert result.blocked[0].startswith(f"{queue.address}: the dead-letter queue ")
    assert "received 1 message(s) after the plan and is kept" in result.blocked[0]
    url = clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"]
    messages = clients.sqs.receive_message(QueueUrl=url)["Messages"]
    assert [message["Body"] for message in messages] == ["an event that failed after the plan"]
    # The job's group and role stay, so the next plan still finds the queue to report it.
    assert queue.address not in {change.address for change in result.applied}
    again = plan(desired, clients, destroy_all=True)
    queue_change = next(c for c in again.changes if c.address == queue.address)
    assert "holds 1 message(s)" in queue_change.reason


def test_a_message_arriving_before_a_rename_deletes_the_old_queue_keeps_it(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    old = desired_from("daily-report")
    apply(plan(old, clients), clients)

    def rename(document: dict[str, Any]) -> None:
        document["jobs"][JOB]["billing_domain"] = "finance"

    renamed = desired_from("daily-report", rename)
    replace = plan(renamed, clients)
    old_queue = _resource(old, "aws_sqs_queue", "dlq")
    _send_to_queue(clients, old_queue)

    result = apply(replace, clients)

    assert len(result.blocked) == 1
    assert "received 1 message(s) after the plan and is kept" in result.blocked[0]
    assert clients.sqs.get_queue_url(QueueName=old_queue.aws_name)["QueueUrl"]
    forced = plan(renamed, clients)
    apply(forced, clients, force_delete_dlq_messages=True)
    assert plan(renamed, clients).changes == ()


def test_a_schedule_someone_put_into_a_job_group_is_left_alone_and_reported(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    group = _resource(desired, "aws_scheduler_schedule_group", "ecs")
    schedule = _resource(desired, "aws_scheduler_schedule", "ecs")
    role = _resource(desired, "aws_iam_role", "scheduler")
    ours = clients.scheduler.get_schedule(Name=schedule.aws_name, GroupName=group.aws_name)
    theirs = {**ours["Target"], "RoleArn": "arn:aws:iam::123456789012:role/their-role"}
    for name, target in (("theirs", theirs), ("by-hand-with-our-role", ours["Target"])):
        clients.scheduler.create_schedule(
            Name=name,
            GroupName=group.aws_name,
            ScheduleExpression="rate(1 hour)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target=target,
        )

    drift = plan(desired, clients)

    # Ours by its role (the role's policy is what lets it run our task): removed, and why.
    assert [(change.action, change.reason) for change in drift.changes] == [
        (
            "delete",
            f"not in the config, and it runs as this job's role {role.aws_name}: this stack "
            "made it",
        )
    ]
    assert drift.changes[0].live is not None
    assert drift.changes[0].live.aws_name == "by-hand-with-our-role"
    assert drift.notes == (
        f"schedule theirs in schedule group {group.aws_name} (job {JOB}) is not in the config "
        "and runs as their-role, not as the job's own role: someone else made it, so it is "
        "left alone.",
    )
    apply(drift, clients)
    after = plan(desired, clients)
    assert after.changes == () and after.blocked == ()
    assert after.notes == drift.notes
    # Deleting the group would delete their schedule: destroy leaves the group and says why.
    destroy = plan(desired, clients, destroy_all=True)
    assert group.address not in {change.address for change in destroy.changes}
    assert destroy.blocked == (
        f"{group.address}: schedule group {group.aws_name} holds schedule(s) this stack did "
        "not make (theirs), and deleting a group deletes every schedule in it; it is left "
        "alone. Move or delete those schedules, then run again.",
    )
    apply(destroy, clients)
    assert [s["Name"] for s in clients.scheduler.list_schedules()["Schedules"]] == ["theirs"]


TEAM_B_JOB = "weekly-report"


def _team_b(document: dict[str, Any]) -> None:
    """The same stack name, written by another team: its own job and resource owner."""
    job = document["jobs"].pop(JOB)
    document["jobs"][TEAM_B_JOB] = {**job, "resource_owner": "billing-team"}


def test_two_configs_of_one_stack_name_never_prune_each_other(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    team_a = desired_from("daily-report")
    team_b = desired_from("daily-report", _team_b)
    assert team_a.stack == team_b.stack
    apply(plan(team_a, clients), clients)
    apply(plan(team_b, clients), clients)

    plan_a, plan_b = plan(team_a, clients), plan(team_b, clients)

    assert plan_a.changes == () and plan_b.changes == ()
    assert plan_a.blocked == () and plan_b.blocked == ()
    assert len(plan_a.notes) == 1
    assert plan_a.notes[0].startswith(f"job {TEAM_B_JOB} of stack {team_a.stack} is not in ")
    assert "ResourceOwner=billing-team" in plan_a.notes[0]
    assert "--prune-foreign" in plan_a.notes[0]
    assert f"job {JOB} " in plan_b.notes[0]
    # A destroy of one leaves the other's jobs too.
    destroy_a = plan(team_a, clients, destroy_all=True)
    assert {change.job for change in destroy_a.changes} == {JOB}

    # Asked for, the other team's job goes, and the plan says why.
    pruning = plan(team_a, clients, prune_foreign=True)
    team_b_addresses = {r.address for r in team_b.resources.values()}
    assert {(c.address, c.action) for c in pruning.changes} == {
        (address, "delete") for address in team_b_addresses
    }
    assert all("--prune-foreign was given" in c.reason for c in pruning.changes)
    assert "ResourceOwner=billing-team" in pruning.changes[0].reason


def test_a_job_removed_from_its_own_config_is_pruned_with_its_owner_named(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    def second_job(document: dict[str, Any]) -> None:
        document["jobs"][TEAM_B_JOB] = dict(document["jobs"][JOB])

    both = desired_from("daily-report", second_job)
    apply(plan(both, clients), clients)

    pruned = plan(desired_from("daily-report"), clients)

    assert {change.job for change in pruned.changes} == {TEAM_B_JOB}
    assert {change.action for change in pruned.changes} == {"delete"}
    assert pruned.changes[0].reason == (
        "job no longer in the config (made by ResourceOwner=data-team, an owner this config names)"
    )
    assert pruned.notes == ()


def test_apply_at_the_prompt_meets_a_foreign_role_and_exits_1(
    prerequisites: EmulatedAccount,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's reproduction: the role appears while the person reads the plan."""
    from ecs_scheduler import cli
    from ecs_scheduler.loader import load
    from ecs_scheduler.naming import names_for_job

    config = prerequisites.configs["daily-report"]
    stack = load(config).stack
    role_name = names_for_job(stack.stack, JOB, stack.jobs[JOB]).role

    def someone_creates_the_role(*_: object, **__: object) -> bool:
        _foreign_role(prerequisites.clients, role_name)
        return True

    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(cli.typer, "confirm", someone_creates_the_role)
    before = prerequisites.clients.iam.list_roles()["Roles"]

    with pytest.raises(SystemExit) as exited:
        cli.main(["apply", "-c", str(config), "--endpoint-url", prerequisites.endpoint_url])

    assert exited.value.code == 1
    stderr = capsys.readouterr().err
    assert f"IAM role {role_name} was created by someone else after the plan" in stderr
    assert "1 resource(s) were left alone" in stderr
    role_now = prerequisites.clients.iam.get_role(RoleName=role_name)["Role"]
    assert role_now["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith("/their-boundary")
    assert role_now["Tags"] == _tag_list(FOREIGN_TAGS)
    assert len(prerequisites.clients.iam.list_roles()["Roles"]) == len(before) + 1


def test_a_stray_group_under_a_job_name_is_explained_precisely(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    group = _resource(desired, "aws_scheduler_schedule_group", "ecs")
    clients.scheduler.create_schedule_group(
        Name=group.aws_name, Tags=[{"Key": "ecs-scheduler:stack", "Value": desired.stack}]
    )
    stray = group.aws_name.replace(f"_{JOB}", "_retired")
    clients.scheduler.create_schedule_group(
        Name=stray,
        Tags=_tag_list({"ecs-scheduler:stack": desired.stack, "ecs-scheduler:job": "retired"}),
    )

    planned = plan(desired, clients)

    assert planned.blocked == (
        f"{group.address}: schedule group {group.aws_name} already exists and carries "
        f"ecs-scheduler:stack={desired.stack} but lacks this stack's ownership tag(s) "
        f"ManagedBy=ecs-scheduler, ecs-scheduler:job={JOB}; it is left alone and nothing of "
        f"job {JOB} is written. Rename the job, or, if it is this job's, add the missing tags.",
        f"module.retired.aws_scheduler_schedule_group.ecs: schedule group {stray} carries "
        f"ecs-scheduler:stack={desired.stack}, ecs-scheduler:job=retired but lacks this "
        "stack's ownership tag(s) ManagedBy=ecs-scheduler; it is left alone. If it is this "
        "stack's, add the missing tags; if not, remove ecs-scheduler:stack and "
        "ecs-scheduler:job from it.",
    )
    assert planned.changes == ()


def test_dead_letter_queue_redrive_allow_policy_and_message_size_drift_is_repaired(
    clients: AwsClients, desired_from: DesiredFactory
) -> None:
    desired = desired_from("daily-report")
    apply(plan(desired, clients), clients)
    queue = _resource(desired, "aws_sqs_queue", "dlq")
    url = clients.sqs.get_queue_url(QueueName=queue.aws_name)["QueueUrl"]
    attributes = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["MaximumMessageSize"] == "262144"
    assert json.loads(attributes["RedriveAllowPolicy"]) == {"redrivePermission": "denyAll"}
    # By hand: any queue may now send its failures here, and larger messages are accepted.
    clients.sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "MaximumMessageSize": "1048576",
            "RedriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"}),
            # moto drops the policy on a SetQueueAttributes without it (AWS keeps it).
            "Policy": attributes["Policy"],
        },
    )

    drift = plan(desired, clients)

    assert [(change.address, change.action) for change in drift.changes] == [
        (queue.address, "update")
    ]
    assert drift.changes[0].diff == {
        "Attributes.MaximumMessageSize": ("1048576", "262144"),
        "Attributes.RedriveAllowPolicy": (
            '{"redrivePermission":"allowAll"}',
            '{"redrivePermission":"denyAll"}',
        ),
    }
    apply(drift, clients)
    assert plan(desired, clients).changes == ()
