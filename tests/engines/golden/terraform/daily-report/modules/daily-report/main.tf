data "aws_ecs_task_definition" "this" {
  task_definition = "daily-report"
}

resource "aws_scheduler_schedule_group" "ecs" {
  name = "acme-analytics-internal-use1-reporting_daily-report"
  tags = {
    ResourceOwner         = "data-team"
    BillingEntity         = "acme"
    BillingDomain         = "analytics"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "reporting"
    "ecs-scheduler:job"   = "daily-report"
    "ecs-scheduler:role"  = "acme-analytics-internal-use1-reporting_daily-report-scheduler"
    "ecs-scheduler:queue" = "acme-analytics-internal-use1-reporting_daily-report-dlq"
    "ecs-scheduler:rule"  = "acme-analytics-internal-use1-reporting_daily-report-task-failed"
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
  name               = "acme-analytics-internal-use1-reporting_daily-report-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume_role.json
  description        = "EventBridge Scheduler execution role of ecs-scheduler job daily-report (stack reporting): runs task family daily-report"
  tags = {
    ResourceOwner         = "data-team"
    BillingEntity         = "acme"
    BillingDomain         = "analytics"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "reporting"
    "ecs-scheduler:job"   = "daily-report"
  }
}

data "aws_iam_policy_document" "scheduler" {
  version = "2012-10-17"

  statement {
    sid       = "RunThisTaskFamilyInThisCluster"
    effect    = "Allow"
    actions   = ["ecs:RunTask"]
    resources = ["arn:aws:ecs:us-east-1:123456789012:task-definition/daily-report:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = ["arn:aws:ecs:us-east-1:123456789012:cluster/reporting-cluster"]
    }
  }

  statement {
    sid       = "TagTasksAtLaunch"
    effect    = "Allow"
    actions   = ["ecs:TagResource"]
    resources = ["arn:aws:ecs:us-east-1:123456789012:task/reporting-cluster/*"]

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
        "arn:aws:scheduler:us-east-1:123456789012:schedule/acme-analytics-internal-use1-reporting_daily-report/*",
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
  name   = "acme-analytics-internal-use1-reporting_daily-report-scheduler"
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
  name                              = "acme-analytics-internal-use1-reporting_daily-report-dlq"
  kms_master_key_id                 = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  kms_data_key_reuse_period_seconds = 86400
  message_retention_seconds         = 1209600
  max_message_size                  = 262144
  redrive_allow_policy              = "{\"redrivePermission\":\"denyAll\"}"
  tags = {
    ResourceOwner         = "data-team"
    BillingEntity         = "acme"
    BillingDomain         = "analytics"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "reporting"
    "ecs-scheduler:job"   = "daily-report"
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
  alarm_name          = "acme-analytics-internal-use1-reporting_daily-report-dlq-messages-visible"
  alarm_description   = "Schedules of ecs-scheduler job daily-report (stack reporting) failed to start task daily-report: their events are in dead-letter queue acme-analytics-internal-use1-reporting_daily-report-dlq."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = []
  ok_actions          = []
  dimensions = {
    QueueName = aws_sqs_queue.dlq.name
  }
  tags = {
    ResourceOwner         = "data-team"
    BillingEntity         = "acme"
    BillingDomain         = "analytics"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "reporting"
    "ecs-scheduler:job"   = "daily-report"
  }
}

resource "aws_cloudwatch_metric_alarm" "dlq_oldest_message" {
  alarm_name          = "acme-analytics-internal-use1-reporting_daily-report-dlq-oldest-message"
  alarm_description   = "A failed event of ecs-scheduler job daily-report (stack reporting) has waited more than 3600 seconds in dead-letter queue acme-analytics-internal-use1-reporting_daily-report-dlq."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 3600
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = []
  ok_actions          = []
  dimensions = {
    QueueName = aws_sqs_queue.dlq.name
  }
  tags = {
    ResourceOwner         = "data-team"
    BillingEntity         = "acme"
    BillingDomain         = "analytics"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "reporting"
    "ecs-scheduler:job"   = "daily-report"
  }
}

resource "aws_cloudwatch_event_rule" "task_failed" {
  name = "acme-analytics-internal-use1-reporting_daily-report-task-failed"
  event_pattern = jsonencode({
    source      = ["aws.ecs"]
    detail-type = ["ECS Task State Change"]
    detail = {
      clusterArn = ["arn:aws:ecs:us-east-1:123456789012:cluster/reporting-cluster"]
      lastStatus = ["STOPPED"]
      group = [
        {
          prefix = "ecs-scheduler:reporting:daily-report:"
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
  description = "Failed ECS tasks of job daily-report in stack reporting (ecs-scheduler task-failure alert)"
  state       = "ENABLED"
  tags = {
    ResourceOwner         = "data-team"
    BillingEntity         = "acme"
    BillingDomain         = "analytics"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "reporting"
    "ecs-scheduler:job"   = "daily-report"
  }
}

locals {
  schedules = {
    "" = {
      name                         = "acme-analytics-internal-use1-reporting_daily-report"
      description                  = "Runs ECS task daily-report on cluster reporting-cluster: At 06:00, every day (America/New_York)"
      schedule_expression          = "cron(0 6 * * ? *)"
      schedule_expression_timezone = "America/New_York"
      state                        = "ENABLED"
      flexible_time_window_mode    = "OFF"
      maximum_retry_attempts       = 5
      maximum_event_age_in_seconds = 86400
      task_count                   = 1
      group                        = "ecs-scheduler:reporting:daily-report:"
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
    arn      = "arn:aws:ecs:us-east-1:123456789012:cluster/reporting-cluster"
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
      launch_type             = "FARGATE"
      enable_ecs_managed_tags = false
      enable_execute_command  = false

      network_configuration {
        subnets          = ["subnet-0a1b2c3d4e5f60718", "subnet-0f9e8d7c6b5a40312"]
        security_groups  = ["sg-0123456789abcdef0"]
        assign_public_ip = false
      }
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
