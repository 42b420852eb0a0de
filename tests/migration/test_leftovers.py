"""What a cut-over leaves alone, and the commands that remove it."""

from __future__ import annotations

from datetime import UTC, datetime

from ecs_scheduler.migration.cutover import Retirement
from ecs_scheduler.migration.leftovers import (
    OldDeployment,
    OldRole,
    leftovers,
    terraform_managed,
)
from ecs_scheduler.naming import MANAGED_BY_VALUE, TAG_MANAGED_BY

AT = datetime(2026, 6, 1, 6, 16, 1, tzinfo=UTC)
SCHEDULE = "arn:aws:scheduler:eu-west-1:123456789012:schedule/legacy/nightly"
RULE = "arn:aws:events:eu-west-1:123456789012:rule/hourly"
QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/legacy-dlq"
V2_TAGS = {
    "ResourceOwner": "data-team",
    "BillingEntity": "acme",
    "BillingDomain": "analytics",
    "SecurityDomain": "internal",
}
ROLE = OldRole("legacy-role", ("legacy-policy",), ("arn:aws:iam::aws:policy/AdministratorAccess",))


def ended(arn: str) -> Retirement:
    return Retirement(arn, "schedule", "end", AT, "EndDate")


def test_the_module_v2_tags_or_a_managed_by_tag_mark_a_terraform_source() -> None:
    assert terraform_managed(V2_TAGS) is not None
    assert terraform_managed({"managed_by": "Terraform"}) == "tagged managed_by: Terraform"
    assert terraform_managed({**V2_TAGS, TAG_MANAGED_BY: MANAGED_BY_VALUE}) is None
    assert terraform_managed({"ResourceOwner": "data-team"}) is None  # v1: untagged, or hand-made
    assert terraform_managed({}) is None


def test_an_ended_schedule_leaves_its_role_queue_alarms_and_emptied_group() -> None:
    old = OldDeployment(
        SCHEDULE,
        "schedule",
        "nightly",
        "legacy",
        tags=V2_TAGS,
        roles=(ROLE,),
        queue_urls=(QUEUE,),
        alarm_names=("legacy dlq visible", "legacy-dlq-age"),
        group_emptied=True,
    )
    result = leftovers([old], {SCHEDULE: ended(SCHEDULE)})
    assert result.commands == (
        "aws scheduler delete-schedule-group --region eu-west-1 --name legacy",
        "aws iam delete-role-policy --role-name legacy-role --policy-name legacy-policy",
        "aws iam detach-role-policy --role-name legacy-role "
        "--policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
        "aws iam delete-role --role-name legacy-role",
        f"aws sqs delete-queue --region eu-west-1 --queue-url {QUEUE}",
        "aws cloudwatch delete-alarms --region eu-west-1 --alarm-names 'legacy dlq visible' "
        "legacy-dlq-age",
    )
    ids = [
        line.split(" | ")[0].removeprefix("terraform state list -id=")
        for line in result.terraform_state_rm
    ]
    assert ids == [
        "legacy/nightly",
        "legacy",
        "legacy-role",
        "legacy-role:legacy-policy",
        QUEUE,
        "'legacy dlq visible'",
        "legacy-dlq-age",
    ]
    assert all(
        line.endswith('| while read -r address; do terraform state rm "$address"; done')
        for line in result.terraform_state_rm
    )
    assert any("drain" in note or "redrive" in note for note in result.notes)


def test_a_disabled_rule_is_removed_with_its_targets_a_partly_replaced_one_is_not() -> None:
    old = OldDeployment(RULE, "rule", "hourly", "default", tags={"ManagedBy": "terraform"})
    disabled = Retirement(RULE, "rule", "disable", AT, "quiet", AT, ("ecs",))
    result = leftovers([old], {RULE: disabled})
    assert result.commands == (
        "aws events list-targets-by-rule --region eu-west-1 --rule hourly --query 'Targets[].Id' "
        "--output text | xargs aws events remove-targets --region eu-west-1 --rule hourly --ids",
        "aws events delete-rule --region eu-west-1 --name hourly",
    )
    assert [line.split(" | ")[0] for line in result.terraform_state_rm] == [
        "terraform state list -id=hourly",
        "terraform state list -id=hourly-ecs",
    ]
    partly = Retirement(RULE, "rule", "remove-targets", AT, "quiet", AT, ("ecs",))
    result = leftovers([old], {RULE: partly})
    assert result.commands == ()
    assert [line.split(" | ")[0] for line in result.terraform_state_rm] == [
        "terraform state list -id=hourly-ecs"
    ]


def test_an_untagged_source_gets_state_rm_lines_only_when_assumed_and_a_refused_one_none() -> None:
    old = OldDeployment(SCHEDULE, "schedule", "nightly", "legacy")
    assert leftovers([old], {SCHEDULE: ended(SCHEDULE)}).terraform_state_rm == ()
    assumed = leftovers([old], {SCHEDULE: ended(SCHEDULE)}, assume_terraform=True)
    assert len(assumed.terraform_state_rm) == 1
    refused = Retirement(SCHEDULE, "schedule", "refuse", AT, "not retired")
    assert leftovers([old], {SCHEDULE: refused}, assume_terraform=True) == leftovers([], {})
