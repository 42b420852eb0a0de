"""The cut-over through plan and apply, on moto's server over real HTTP.

A legacy deployment made directly with boto3 runs the job's task: a Scheduler schedule, a rule
whose only target runs it, and a rule that also feeds a queue. A config whose job ``replaces``
them plans the job's resources plus one ``retire`` change each; apply creates the new schedule
with ``StartDate`` H, ends the old schedule at H and, at H (a fake clock: apply's waits advance
it), disables the first rule and removes the second rule's ECS target.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecs_scheduler.engines.aws import ApplyInterruptedError, AwsClients, Plan, apply, plan
from ecs_scheduler.engines.aws.retire import RetireStoppedError, retire
from ecs_scheduler.local import Prerequisites
from ecs_scheduler.migration.cutover import DEFAULT_LEAD, DEFAULT_MARGIN
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_JOB, TAG_MANAGED_BY, TAG_STACK
from ecs_scheduler.resources import DesiredState
from tests.conftest import EmulatedAccount
from tests.engines.aws.conftest import DesiredFactory
from tests.engines.aws.test_import import ecs_parameters

JOB = "daily-report"
PRIMARY = f'module.{JOB}.aws_scheduler_schedule.ecs[""]'
TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", '
    '"Principal": {"Service": "scheduler.amazonaws.com"}}]}'
)


class FakeClock:
    """``now`` for plan and apply; apply's sleeps advance it instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.slept = 0.0
        self.on_sleep: Callable[[], None] | None = None

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.slept += seconds
        if self.on_sleep is not None:
            self.on_sleep()


def legacy_deployment(clients: AwsClients, prereqs: Prerequisites) -> dict[str, str]:
    """What runs the job's task today: a schedule, a rule, and a rule with a second target."""
    role = clients.iam.create_role(RoleName="legacy-runner", AssumeRolePolicyDocument=TRUST)
    target = {
        "Arn": prereqs.cluster_arn,
        "RoleArn": role["Role"]["Arn"],
        "EcsParameters": ecs_parameters(prereqs),
    }
    clients.scheduler.create_schedule_group(Name="legacy")
    schedule = clients.scheduler.create_schedule(
        Name="report",
        GroupName="legacy",
        Description="the old report",
        ScheduleExpression="cron(0 6 * * ? *)",
        ScheduleExpressionTimezone="America/New_York",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        Target=target,
    )["ScheduleArn"]
    events = clients.events
    rule = events.put_rule(Name="report-nightly", ScheduleExpression="cron(0 10 * * ? *)")
    events.put_targets(Rule="report-nightly", Targets=[{**target, "Id": "ecs"}])
    shared = events.put_rule(Name="report-shared", ScheduleExpression="cron(0 11 * * ? *)")
    audit = f"arn:aws:sqs:{prereqs.region}:{prereqs.account_id}:audit"
    events.put_targets(
        Rule="report-shared",
        Targets=[{**target, "Id": "ecs"}, {"Id": "audit", "Arn": audit}],
    )
    return {"schedule": schedule, "rule": rule["RuleArn"], "shared": shared["RuleArn"]}


def replacing(desired_from: DesiredFactory, arns: list[str]) -> DesiredState:
    def edit(document: dict[str, Any]) -> None:
        document["jobs"][JOB]["replaces"] = arns

    return desired_from(JOB, edit)


@pytest.fixture
def legacy(prerequisites: EmulatedAccount) -> dict[str, str]:
    return legacy_deployment(prerequisites.clients, prerequisites.prereqs)


def retire_lines(the_plan: Plan) -> list[tuple[str, str]]:
    return [(change.retirement.arn, change.retirement.action) for change in the_plan.retirements]


def test_plan_shows_retirements_and_apply_hands_over_at_one_instant(
    clients: AwsClients, desired_from: DesiredFactory, legacy: dict[str, str]
) -> None:
    clock = FakeClock()
    desired = replacing(desired_from, [legacy["schedule"], legacy["rule"], legacy["shared"]])

    first = plan(desired, clients, now=clock())

    assert retire_lines(first) == [
        (legacy["schedule"], "end"),
        (legacy["rule"], "disable"),
        (legacy["shared"], "remove-targets"),
    ]
    instant = first.retirements[0].retirement.at
    assert instant is not None and instant >= clock() + DEFAULT_LEAD
    assert {change.retirement.at for change in first.retirements} == {instant}
    end, disable, remove = (change.retirement for change in first.retirements)
    assert end.reason.startswith(f"EndDate {instant:%Y-%m-%dT%H:%M:%SZ} (ActionAfterCompletion")
    assert "disables the rule" in disable.reason and disable.until is not None
    assert "removes the target(s) ecs" in remove.reason and remove.target_ids == ("ecs",)
    [create] = [change for change in first.changes if change.address == PRIMARY]
    assert create.diff["StartDate"] == (None, instant.isoformat())
    rendered = json.loads(json.dumps(first.to_json()))
    assert rendered["retirements"][1] == {
        "job": JOB,
        "arn": legacy["rule"],
        "what": "rule",
        "action": "disable",
        "at": f"{instant:%Y-%m-%dT%H:%M:%SZ}",
        "until": f"{disable.until:%Y-%m-%dT%H:%M:%SZ}",
        "reason": disable.reason,
        "target_ids": ["ecs"],
    }
    assert not [note for note in first.notes if "replaces" in note]

    waited: list[str] = []
    result = apply(
        first,
        clients,
        clock=clock,
        sleep=clock.sleep,
        on_wait=lambda change: waited.append(change.retirement.arn),
    )

    assert [change.retirement.action for change in result.retired] == [
        "end",
        "disable",
        "remove-targets",
    ]
    assert waited == [legacy["rule"]]  # the shared rule's instant had come by then
    assert instant <= clock() < instant + timedelta(seconds=1)
    assert create.desired is not None
    new = clients.scheduler.get_schedule(Name=create.desired.aws_name, GroupName=_group(desired))
    assert new["StartDate"] == instant
    old = clients.scheduler.get_schedule(Name="report", GroupName="legacy")
    assert (old["EndDate"], old["ActionAfterCompletion"]) == (instant, "DELETE")
    # UpdateSchedule replaces every field: what GetSchedule reported is kept.
    assert old["Description"] == "the old report"
    assert old["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert old["ScheduleExpressionTimezone"] == "America/New_York"
    assert old["Target"]["RoleArn"].endswith("/legacy-runner")
    assert clients.events.describe_rule(Name="report-nightly")["State"] == "DISABLED"
    assert clients.events.describe_rule(Name="report-shared")["State"] == "ENABLED"
    targets = clients.events.list_targets_by_rule(Rule="report-shared")["Targets"]
    assert [target["Id"] for target in targets] == ["audit"]
    assert result.leftovers is not None
    assert "aws iam delete-role --role-name legacy-runner" in result.leftovers.commands
    assert "aws events delete-rule --region us-east-1 --name report-nightly" in (
        result.leftovers.commands
    )

    after = plan(desired, clients, now=clock())
    assert after.changes == () and after.pending_retirements == ()
    assert retire_lines(after) == [
        (legacy["schedule"], "none"),
        (legacy["rule"], "none"),
        (legacy["shared"], "none"),
    ]

    # Once its last window has passed, the ended schedule (still there: moto does not run
    # schedules) is deleted by the next apply: the one pending retirement.
    clock.now = instant + timedelta(minutes=15) + DEFAULT_MARGIN
    later = plan(desired, clients, now=clock())
    assert later.changes == ()
    assert [(c.retirement.arn, c.retirement.action) for c in later.pending_retirements] == [
        (legacy["schedule"], "delete")
    ]
    apply(later, clients, clock=clock, sleep=clock.sleep)
    last = plan(desired, clients, now=clock())
    assert last.changes == () and last.pending_retirements == ()
    assert f"job {JOB} replaces {legacy['schedule']}, which no longer exists" in " ".join(
        last.notes
    )


def test_a_rerun_after_a_partial_apply_finds_the_same_hand_over(
    clients: AwsClients, desired_from: DesiredFactory, legacy: dict[str, str]
) -> None:
    clock = FakeClock()
    desired = replacing(desired_from, [legacy["schedule"], legacy["rule"]])
    first = plan(desired, clients, now=clock())
    instant = first.retirements[0].retirement.at
    # Killed after the creates, before any retirement.
    apply(dataclasses.replace(first, retirements=()), clients)
    clock.sleep(60)

    rerun = plan(desired, clients, now=clock())

    assert rerun.changes == ()  # the new schedule's StartDate is the recorded instant
    assert retire_lines(rerun) == [(legacy["schedule"], "end"), (legacy["rule"], "disable")]
    assert {change.retirement.at for change in rerun.retirements} == {instant}
    apply(rerun, clients, clock=clock, sleep=clock.sleep)
    old = clients.scheduler.get_schedule(Name="report", GroupName="legacy")
    assert old["EndDate"] == instant
    assert clients.events.describe_rule(Name="report-nightly")["State"] == "DISABLED"
    assert plan(desired, clients, now=clock()).pending_retirements == ()


def test_ctrl_c_while_waiting_for_a_rule_stops_at_once_and_a_rerun_converges(
    prerequisites: EmulatedAccount, desired_from: DesiredFactory, legacy: dict[str, str]
) -> None:
    # Own clients: stopping their guard must not stop the session's.
    clients = AwsClients.create(region="us-east-1", endpoint_url=prerequisites.endpoint_url)
    clock = FakeClock()
    desired = replacing(desired_from, [legacy["rule"]])
    first = plan(desired, clients, now=clock())
    clock.on_sleep = clients.guard.stop  # Ctrl-C during the first step of the wait

    with pytest.raises(ApplyInterruptedError):
        apply(first, clients, clock=clock, sleep=clock.sleep)

    assert clock.slept <= 0.1
    fresh = AwsClients.create(region="us-east-1", endpoint_url=prerequisites.endpoint_url)
    assert fresh.events.describe_rule(Name="report-nightly")["State"] == "ENABLED"
    rerun = plan(desired, fresh, now=clock())
    assert rerun.changes == ()
    assert rerun.retirements[0].retirement.at == first.retirements[0].retirement.at
    apply(rerun, fresh, clock=clock, sleep=clock.sleep)
    assert fresh.events.describe_rule(Name="report-nightly")["State"] == "DISABLED"


def test_a_wait_that_overran_its_quiet_stretch_is_planned_again(
    clients: AwsClients, desired_from: DesiredFactory, legacy: dict[str, str]
) -> None:
    clock = FakeClock()
    desired = replacing(desired_from, [legacy["rule"]])
    first = plan(desired, clients, now=clock())
    planned = first.retirements[0].retirement
    assert planned.until is not None
    overslept = planned.until + timedelta(seconds=1)

    def suspend(seconds: float) -> None:  # the machine slept through the quiet stretch
        clock.now = max(clock.now + timedelta(seconds=seconds), overslept)

    result = apply(first, clients, clock=clock, sleep=suspend)

    [done] = result.retired
    assert done.retirement.action == "disable" and done.retirement.at is not None
    assert done.retirement.at > planned.until  # re-planned: a later quiet moment
    assert clients.events.describe_rule(Name="report-nightly")["State"] == "DISABLED"


def test_a_gone_arn_is_a_note_and_an_arn_the_stack_owns_blocks_the_job(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    prereqs = prerequisites.prereqs
    prefix = f"arn:aws:scheduler:{prereqs.region}:{prereqs.account_id}:schedule/"
    gone = plan(replacing(desired_from, [prefix + "legacy/deleted"]), clients)
    assert retire_lines(gone) == [] and gone.blocked == ()
    assert f"job {JOB} replaces {prefix}legacy/deleted, which no longer exists" in " ".join(
        gone.notes
    )
    assert gone.changes  # the job itself is planned as usual

    owned = {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_STACK: "reporting", TAG_JOB: "other"}
    clients.scheduler.create_schedule_group(
        Name="mine", Tags=[{"Key": k, "Value": v} for k, v in owned.items()]
    )
    clients.scheduler.create_schedule(
        Name="own",
        GroupName="mine",
        ScheduleExpression="cron(0 6 * * ? *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": prereqs.cluster_arn, "RoleArn": prereqs.execution_role_arn},
    )
    blocked = plan(replacing(desired_from, [prefix + "mine/own"]), clients)
    assert blocked.blocked == (
        f"job {JOB} replaces {prefix}mine/own, which stack reporting itself owns: a stack "
        f"cannot replace its own resources; remove it from replaces. Nothing of job {JOB} is "
        "written.",
    )
    assert [change for change in blocked.changes if change.job == JOB] == []


def busy_rule(account: EmulatedAccount) -> str:
    """An EventBridge rule that runs the job's task every minute: never quiet for a minute of
    margin, so its cut-over is refused."""
    prereqs, events = account.prereqs, account.clients.events
    rule: str = events.put_rule(Name="busy", ScheduleExpression="cron(* * * * ? *)")["RuleArn"]
    events.put_targets(
        Rule="busy",
        Targets=[
            {
                "Id": "ecs",
                "Arn": prereqs.cluster_arn,
                "RoleArn": prereqs.execution_role_arn,
                "EcsParameters": ecs_parameters(prereqs),
            }
        ],
    )
    return rule


def test_a_refused_retirement_creates_none_of_the_jobs_schedules(
    clients: AwsClients, prerequisites: EmulatedAccount, desired_from: DesiredFactory
) -> None:
    events = clients.events
    rule = busy_rule(prerequisites)
    desired = replacing(desired_from, [rule])

    refused = plan(desired, clients)

    assert retire_lines(refused) == [(rule, "refuse")]
    assert refused.retirements[0].retirement.reason.startswith("not retired: no moment within")
    assert [c for c in refused.changes if c.type == "aws_scheduler_schedule"] == []
    assert any(c.type == "aws_iam_role" for c in refused.changes)
    assert [line for line in refused.skipped if line.startswith(f"job {JOB}: its schedules")]
    result = apply(refused, clients)
    assert result.retired == ()
    assert events.describe_rule(Name="busy")["State"] == "ENABLED"


def _group(desired: DesiredState) -> str:
    [group] = [
        r.aws_name
        for r in desired.resources.values()
        if r.job == JOB and r.type == "aws_scheduler_schedule_group"
    ]
    return group


def test_ctrl_c_before_a_retirement_call_stops_the_retirements(
    prerequisites: EmulatedAccount, desired_from: DesiredFactory, legacy: dict[str, str]
) -> None:
    clients = AwsClients.create(region="us-east-1", endpoint_url=prerequisites.endpoint_url)
    desired = replacing(desired_from, [legacy["schedule"], legacy["rule"]])
    first = plan(desired, clients)
    apply(dataclasses.replace(first, retirements=()), clients)
    rerun = plan(desired, clients)
    assert rerun.changes == () and len(rerun.pending_retirements) == 2
    clients.guard.stop()  # the guard refuses the first call (GetSchedule) of the retirements

    with pytest.raises(RetireStoppedError) as stopped:
        retire(rerun, clients)

    assert stopped.value.done == 0
    old = prerequisites.clients.scheduler.get_schedule(Name="report", GroupName="legacy")
    assert old.get("EndDate") is None
    with pytest.raises(ApplyInterruptedError, match="0 of 2 changes applied"):
        apply(rerun, clients)
