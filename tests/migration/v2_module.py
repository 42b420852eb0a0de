"""The ``terraform state rm`` lines of a cut-over, run against a real Terraform state.

A module shaped like the Terraform module v2 (tagged group, schedule, role and inline policy,
queue and queue policy, alarm) plus an "ECS scheduled task" rule is applied to the emulator
with the local terraform and hashicorp/aws; the lines :func:`leftovers` prints then leave the
old state empty, and deleting the module from the configuration destroys nothing.

The module is applied in the one root, init and apply of tests/engines/test_terraform_apply.py,
which calls :func:`the_state_rm_lines_leave_nothing_to_recreate_or_destroy` in a copy of that
root that keeps the old module alone: hashicorp/aws waits 25 s after creating a queue and 25 s
more after setting its policy (``waitQueueAttributesPropagated``: six equal reads, five
seconds apart, in internal/service/sqs), so an apply of its own would cost this check a
minute of sleeping.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ecs_scheduler.migration.cutover import Retirement
from ecs_scheduler.migration.leftovers import OldDeployment, OldRole, leftovers

if TYPE_CHECKING:
    from ecs_scheduler.engines.aws import AwsClients
    from tests.engines.test_terraform_apply import Terraform

AT = datetime(2026, 6, 1, 6, 16, 1, tzinfo=UTC)
V2_TAGS = (
    '{ ResourceOwner = "data-team", BillingEntity = "acme", BillingDomain = "analytics", '
    'SecurityDomain = "internal" }'
)
OLD_MODULE = f"""
resource "aws_scheduler_schedule_group" "ecs" {{
  name = "legacy"
  tags = {V2_TAGS}
}}
resource "aws_iam_role" "scheduler" {{
  name = "legacy-role"
  tags = {V2_TAGS}
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow",
    Action = "sts:AssumeRole", Principal = {{ Service = "scheduler.amazonaws.com" }} }}] }})
}}
resource "aws_iam_role_policy" "scheduler" {{
  name = "legacy-policy"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow",
    Action = "ecs:RunTask", Resource = "*" }}] }})
}}
resource "aws_sqs_queue" "dlq" {{
  name = "legacy-dlq"
  tags = {V2_TAGS}
}}
resource "aws_sqs_queue_policy" "dlq" {{
  queue_url = aws_sqs_queue.dlq.id
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow",
    Action = "sqs:SendMessage", Principal = {{ AWS = aws_iam_role.scheduler.arn }},
    Resource = aws_sqs_queue.dlq.arn }}] }})
}}
resource "aws_cloudwatch_metric_alarm" "dlq" {{
  alarm_name          = "legacy-dlq-messages-visible"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = {{ QueueName = aws_sqs_queue.dlq.name }}
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
}}
resource "aws_scheduler_schedule" "ecs" {{
  for_each            = toset(["nightly"])
  name                = each.key
  group_name          = aws_scheduler_schedule_group.ecs.name
  schedule_expression = "cron(0 2 * * ? *)"
  flexible_time_window {{ mode = "OFF" }}
  target {{
    arn      = "arn:aws:ecs:us-east-1:123456789012:cluster/demo"
    role_arn = aws_iam_role.scheduler.arn
    ecs_parameters {{
      task_definition_arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo:1"
    }}
  }}
}}
resource "aws_cloudwatch_event_rule" "hourly" {{
  name                = "hourly"
  schedule_expression = "cron(0 * * * ? *)"
  tags                = {V2_TAGS}
}}
resource "aws_cloudwatch_event_target" "ecs" {{
  rule      = aws_cloudwatch_event_rule.hourly.name
  target_id = "ecs"
  arn       = "arn:aws:ecs:us-east-1:123456789012:cluster/demo"
  role_arn  = aws_iam_role.scheduler.arn
  ecs_target {{
    task_definition_arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/demo:1"
  }}
}}
"""
SCHEDULE = "arn:aws:scheduler:us-east-1:123456789012:schedule/legacy/nightly"
RULE = "arn:aws:events:us-east-1:123456789012:rule/hourly"
# The old module's directory, its call in the root, and the root's provider block.
OLD_MODULE_DIRECTORY = "old"
OLD_MODULE_CALL = f'module "reports" {{\n  source = "./{OLD_MODULE_DIRECTORY}"\n}}\n'
ROOT_PROVIDER = 'provider "aws" {\n  region = "us-east-1"\n}\n'


def the_state_rm_lines_leave_nothing_to_recreate_or_destroy(
    old_terraform: Terraform, clients: AwsClients
) -> None:
    """Run the printed lines in ``old_terraform``'s root: ``ROOT_PROVIDER`` and
    ``OLD_MODULE_CALL``, applied."""
    state = old_terraform.run("state", "list").stdout.split()
    # The URL the cut-over finds the old queue by (GetQueueUrl, engines/aws/replaced.py).
    queue_url = clients.sqs.get_queue_url(QueueName="legacy-dlq")["QueueUrl"]
    role = OldRole("legacy-role", ("legacy-policy",))
    deployments = [
        OldDeployment(
            SCHEDULE,
            "schedule",
            "nightly",
            "legacy",
            tags={
                "ResourceOwner": "data-team",
                "BillingEntity": "acme",
                "BillingDomain": "analytics",
                "SecurityDomain": "internal",
            },
            roles=(role,),
            queue_urls=(queue_url,),
            alarm_names=("legacy-dlq-messages-visible",),
            group_emptied=True,
        ),
        OldDeployment(
            RULE, "rule", "hourly", "default", tags={"ManagedBy": "terraform"}, roles=(role,)
        ),
    ]
    retirements = {
        SCHEDULE: Retirement(SCHEDULE, "schedule", "end", AT, "EndDate"),
        RULE: Retirement(RULE, "rule", "disable", AT, "quiet", AT, ("ecs",)),
    }
    result = leftovers(deployments, retirements)
    assert len(state) == 9
    for line in result.terraform_state_rm:
        completed = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {line}"],
            cwd=old_terraform.root,
            env=dict(old_terraform.environment),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "Removed module.reports." in completed.stdout, line
    assert old_terraform.run("state", "list").stdout.split() == []
    # The old module's block is then deleted: Terraform has nothing left to destroy.
    (old_terraform.root / "main.tf").write_text(ROOT_PROVIDER, encoding="utf-8")
    completed = old_terraform.run("plan", "-detailed-exitcode", "-no-color")
    assert completed.returncode == 0, completed.stdout + completed.stderr
