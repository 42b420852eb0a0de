data "aws_ecs_task_definition" "this" {
  task_definition = "db-vacuum"
}

resource "aws_scheduler_schedule_group" "ecs" {
  name = "acme-platform-internal-use1-maintenance_nightly-vacuum"
  tags = {
    ResourceOwner         = "platform-team"
    BillingEntity         = "acme"
    BillingDomain         = "platform"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "maintenance"
    "ecs-scheduler:job"   = "nightly-vacuum"
    "ecs-scheduler:role"  = "acme-platform-internal-use1-maintenance_nightly-vacuum-scheduler"
    "ecs-scheduler:queue" = "acme-platform-internal-use1-maintenance_nightly-vacuum-dlq"
    "ecs-scheduler:rule"  = "acme-platform-in-maintenance_nightly-vacuum-task-failed-924685ce"
  }
}

data "aws_iam_policy_document" "scheduler_assume_role" {
  version = "2012-10-17"

  statement {
    sid     = "AllowEventBridgeSchedulerForThisGroup"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["123456789012"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_scheduler_schedule_group.ecs.arn]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name                 = "acme-platform-internal-use1-maintenance_nightly-vacuum-scheduler"
  assume_role_policy   = data.aws_iam_policy_document.scheduler_assume_role.json
  description          = "EventBridge Scheduler execution role of ecs-scheduler job nightly-vacuum (stack maintenance): runs task family db-vacuum"
  permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
  tags = {
    ResourceOwner         = "platform-team"
    BillingEntity         = "acme"
    BillingDomain         = "platform"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "maintenance"
    "ecs-scheduler:job"   = "nightly-vacuum"
  }
}

data "aws_iam_policy_document" "scheduler" {
  version = "2012-10-17"

  statement {
    sid       = "RunThisTaskFamilyInThisCluster"
    effect    = "Allow"
    actions   = ["ecs:RunTask"]
    resources = ["arn:aws:ecs:us-east-1:123456789012:task-definition/db-vacuum:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = ["arn:aws:ecs:us-east-1:123456789012:cluster/maintenance"]
    }
  }

  statement {
    sid       = "TagTasksAtLaunch"
    effect    = "Allow"
    actions   = ["ecs:TagResource"]
    resources = ["arn:aws:ecs:us-east-1:123456789012:task/maintenance/*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RunTask"]
    }
  }

  statement {
    sid       = "SendToDeadLetterQueue"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    sid       = "UseKeyForDeadLetterQueue"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.us-east-1.amazonaws.com"]
    }
  }

  statement {
    sid       = "DecryptThisGroupsSchedulePayloads"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:scheduler:schedule:arn"
      values = [
        "arn:aws:scheduler:us-east-1:123456789012:schedule/acme-platform-internal-use1-maintenance_nightly-vacuum/*",
      ]
    }
  }

  statement {
    sid     = "PassTaskRolesToEcsTasks"
    effect  = "Allow"
    actions = ["iam:PassRole"]
    resources = compact([
      data.aws_ecs_task_definition.this.task_role_arn,
      data.aws_ecs_task_definition.this.execution_role_arn,
    ])

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "acme-platform-internal-use1-maintenance_nightly-vacuum-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_iam_role_policies_exclusive" "scheduler" {
  role_name    = aws_iam_role.scheduler.name
  policy_names = [aws_iam_role_policy.scheduler.name]
}

resource "aws_iam_role_policy_attachments_exclusive" "scheduler" {
  role_name   = aws_iam_role.scheduler.name
  policy_arns = []
}

resource "aws_sqs_queue" "dlq" {
  name                              = "acme-platform-internal-use1-maintenance_nightly-vacuum-dlq"
  kms_master_key_id                 = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  kms_data_key_reuse_period_seconds = 86400
  message_retention_seconds         = 1209600
  max_message_size                  = 262144
  redrive_allow_policy              = "{\"redrivePermission\":\"denyAll\"}"
  tags = {
    ResourceOwner         = "platform-team"
    BillingEntity         = "acme"
    BillingDomain         = "platform"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "maintenance"
    "ecs-scheduler:job"   = "nightly-vacuum"
  }
}

data "aws_iam_policy_document" "dlq" {
  version = "2012-10-17"

  statement {
    sid       = "AllowTheExecutionRoleToSend"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.scheduler.arn]
    }
  }

  statement {
    sid       = "DenySendingByAnyoneElse"
    effect    = "Deny"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.scheduler.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.url
  policy    = data.aws_iam_policy_document.dlq.json
}

resource "aws_cloudwatch_metric_alarm" "dlq_messages_visible" {
  alarm_name          = "acme-platform-internal-use1-maintenance_nightly-vacuum-dlq-messages-visible"
  alarm_description   = "Schedules of ecs-scheduler job nightly-vacuum (stack maintenance) failed to start task db-vacuum: their events are in dead-letter queue acme-platform-internal-use1-maintenance_nightly-vacuum-dlq."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
  ok_actions          = ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
  dimensions = {
    QueueName = aws_sqs_queue.dlq.name
  }
  tags = {
    ResourceOwner         = "platform-team"
    BillingEntity         = "acme"
    BillingDomain         = "platform"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "maintenance"
    "ecs-scheduler:job"   = "nightly-vacuum"
  }
}

resource "aws_cloudwatch_metric_alarm" "dlq_oldest_message" {
  alarm_name          = "acme-platform-internal-use1-maintenance_nightly-vacuum-dlq-oldest-message"
  alarm_description   = "A failed event of ecs-scheduler job nightly-vacuum (stack maintenance) has waited more than 3600 seconds in dead-letter queue acme-platform-internal-use1-maintenance_nightly-vacuum-dlq."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 3600
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
  ok_actions          = ["arn:aws:sns:us-east-1:123456789012:ops-alerts"]
  dimensions = {
    QueueName = aws_sqs_queue.dlq.name
  }
  tags = {
    ResourceOwner         = "platform-team"
    BillingEntity         = "acme"
    BillingDomain         = "platform"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "maintenance"
    "ecs-scheduler:job"   = "nightly-vacuum"
  }
}

resource "aws_cloudwatch_event_rule" "task_failed" {
  name = "acme-platform-in-maintenance_nightly-vacuum-task-failed-924685ce"
  event_pattern = jsonencode({
    source      = ["aws.ecs"]
    detail-type = ["ECS Task State Change"]
    detail = {
      clusterArn = ["arn:aws:ecs:us-east-1:123456789012:cluster/maintenance"]
      lastStatus = ["STOPPED"]
      group = [
        {
          prefix = "ecs-scheduler:maintenance:nightly-vacuum:"
        },
      ]
      "$or" = [
        {
          containers = {
            exitCode = [
              {
                anything-but = 0
              },
            ]
          }
        },
        {
          stopCode = [
            {
              anything-but = ["EssentialContainerExited", "UserInitiated", "ServiceSchedulerInitiated"]
            },
          ]
        },
        {
          stopCode = ["EssentialContainerExited"]
          containers = {
            exitCode = [
              {
                exists = false
              },
            ]
          }
        },
      ]
    }
  })
  description = "Failed ECS tasks of job nightly-vacuum in stack maintenance (ecs-scheduler task-failure alert)"
  state       = "ENABLED"
  tags = {
    ResourceOwner         = "platform-team"
    BillingEntity         = "acme"
    BillingDomain         = "platform"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "maintenance"
    "ecs-scheduler:job"   = "nightly-vacuum"
  }
}

resource "aws_cloudwatch_event_target" "task_failed" {
  for_each = {
    sns-ops-alerts-c9a684b3 = "arn:aws:sns:us-east-1:123456789012:ops-alerts"
  }
  rule      = aws_cloudwatch_event_rule.task_failed.name
  target_id = each.key
  arn       = each.value

  input_transformer {
    input_paths = {
      group         = "$.detail.group"
      taskArn       = "$.detail.taskArn"
      stopCode      = "$.detail.stopCode"
      stoppedReason = "$.detail.stoppedReason"
      startedAt     = "$.detail.startedAt"
      stoppedAt     = "$.detail.stoppedAt"
      containers    = "$.detail.containers"
      time          = "$.time"
    }
    input_template = "{\"summary\":\"An ECS task of job nightly-vacuum in stack maintenance failed on cluster maintenance.\",\"stack\":\"maintenance\",\"job\":\"nightly-vacuum\",\"schedule_group\":<group>,\"task_arn\":<taskArn>,\"stop_code\":<stopCode>,\"stopped_reason\":<stoppedReason>,\"started_at\":<startedAt>,\"stopped_at\":<stoppedAt>,\"containers\":<containers>,\"event_time\":<time>,\"console\":\"https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/maintenance/tasks?status=STOPPED&region=us-east-1\"}"
  }
}

locals {
  schedules = {
    "" = {
      name                         = "acme-platform-internal-use1-maintenance_nightly-vacuum"
      description                  = "Runs ECS task db-vacuum on cluster maintenance: At 03:15, every day (UTC)"
      schedule_expression          = "cron(15 3 * * ? *)"
      schedule_expression_timezone = "UTC"
      state                        = "ENABLED"
      flexible_time_window_mode    = "OFF"
      maximum_retry_attempts       = 5
      maximum_event_age_in_seconds = 86400
      task_count                   = 2
      group                        = "ecs-scheduler:maintenance:nightly-vacuum:"
    }
  }
}

resource "aws_scheduler_schedule" "ecs" {
  for_each                     = local.schedules
  name                         = each.value.name
  group_name                   = aws_scheduler_schedule_group.ecs.name
  description                  = each.value.description
  schedule_expression          = each.value.schedule_expression
  schedule_expression_timezone = each.value.schedule_expression_timezone
  state                        = each.value.state
  kms_key_arn                  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

  flexible_time_window {
    mode = each.value.flexible_time_window_mode
  }

  target {
    arn      = "arn:aws:ecs:us-east-1:123456789012:cluster/maintenance"
    role_arn = aws_iam_role.scheduler.arn

    dead_letter_config {
      arn = aws_sqs_queue.dlq.arn
    }

    retry_policy {
      maximum_retry_attempts       = each.value.maximum_retry_attempts
      maximum_event_age_in_seconds = each.value.maximum_event_age_in_seconds
    }

    ecs_parameters {
      task_definition_arn     = data.aws_ecs_task_definition.this.arn
      task_count              = each.value.task_count
      group                   = each.value.group
      launch_type             = "EC2"
      propagate_tags          = "TASK_DEFINITION"
      enable_ecs_managed_tags = true
      enable_execute_command  = false

      network_configuration {
        subnets          = ["subnet-0a1b2c3d4e5f60718", "subnet-0f9e8d7c6b5a40312", "subnet-04c3b2a1908f7e6d5"]
        security_groups  = ["sg-0123456789abcdef0", "sg-0fedcba9876543210"]
        assign_public_ip = false
      }

      placement_constraints {
        type       = "memberOf"
        expression = "attribute:ecs.instance-type =~ m6i.*"
      }

      placement_strategy {
        type  = "spread"
        field = "attribute:ecs.availability-zone"
      }

      placement_strategy {
        type  = "binpack"
        field = "memory"
      }
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
