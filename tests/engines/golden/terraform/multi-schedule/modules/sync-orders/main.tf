data "aws_ecs_task_definition" "this" {
  task_definition = "sync-orders"
}

resource "aws_scheduler_schedule_group" "ecs" {
  name = "acme-commerce-internal-use1-orders-sync_sync-orders"
  tags = {
    Team                  = "commerce"
    ResourceOwner         = "commerce-team"
    BillingEntity         = "acme"
    BillingDomain         = "commerce"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "orders-sync"
    "ecs-scheduler:job"   = "sync-orders"
    "ecs-scheduler:role"  = "acme-commerce-internal-use1-orders-sync_sync-orders-scheduler"
    "ecs-scheduler:queue" = "acme-commerce-internal-use1-orders-sync_sync-orders-dlq"
    "ecs-scheduler:rule"  = "acme-commerce-internal-use1-orders-sync_sync-orders-task-failed"
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
  name               = "acme-commerce-internal-use1-orders-sync_sync-orders-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume_role.json
  description        = "EventBridge Scheduler execution role of ecs-scheduler job sync-orders (stack orders-sync): runs task family sync-orders"
  tags = {
    Team                  = "commerce"
    ResourceOwner         = "commerce-team"
    BillingEntity         = "acme"
    BillingDomain         = "commerce"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "orders-sync"
    "ecs-scheduler:job"   = "sync-orders"
  }
}

data "aws_iam_policy_document" "scheduler" {
  version = "2012-10-17"

  statement {
    sid       = "RunThisTaskFamilyInThisCluster"
    effect    = "Allow"
    actions   = ["ecs:RunTask"]
    resources = ["arn:aws:ecs:us-east-1:123456789012:task-definition/sync-orders:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = ["arn:aws:ecs:us-east-1:123456789012:cluster/batch"]
    }
  }

  statement {
    sid       = "TagTasksAtLaunch"
    effect    = "Allow"
    actions   = ["ecs:TagResource"]
    resources = ["arn:aws:ecs:us-east-1:123456789012:task/batch/*"]

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
    resources = ["arn:aws:kms:us-east-1:123456789012:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.us-east-1.amazonaws.com"]
    }

    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:ResourceAliases"
      values   = ["alias/ecs-scheduler"]
    }
  }

  statement {
    sid       = "DecryptThisGroupsSchedulePayloads"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = ["arn:aws:kms:us-east-1:123456789012:key/*"]

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:scheduler:schedule:arn"
      values = [
        "arn:aws:scheduler:us-east-1:123456789012:schedule/acme-commerce-internal-use1-orders-sync_sync-orders/*",
      ]
    }

    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:ResourceAliases"
      values   = ["alias/ecs-scheduler"]
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
  name   = "acme-commerce-internal-use1-orders-sync_sync-orders-scheduler"
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
  name                              = "acme-commerce-internal-use1-orders-sync_sync-orders-dlq"
  kms_master_key_id                 = "arn:aws:kms:us-east-1:123456789012:alias/ecs-scheduler"
  kms_data_key_reuse_period_seconds = 86400
  message_retention_seconds         = 1209600
  max_message_size                  = 262144
  redrive_allow_policy              = "{\"redrivePermission\":\"denyAll\"}"
  tags = {
    Team                  = "commerce"
    ResourceOwner         = "commerce-team"
    BillingEntity         = "acme"
    BillingDomain         = "commerce"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "orders-sync"
    "ecs-scheduler:job"   = "sync-orders"
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
  alarm_name          = "acme-commerce-internal-use1-orders-sync_sync-orders-dlq-messages-visible"
  alarm_description   = "Schedules of ecs-scheduler job sync-orders (stack orders-sync) failed to start task sync-orders: their events are in dead-letter queue acme-commerce-internal-use1-orders-sync_sync-orders-dlq."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = ["arn:aws:sns:us-east-1:123456789012:batch-alerts"]
  ok_actions          = []
  dimensions = {
    QueueName = aws_sqs_queue.dlq.name
  }
  tags = {
    Team                  = "commerce"
    ResourceOwner         = "commerce-team"
    BillingEntity         = "acme"
    BillingDomain         = "commerce"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "orders-sync"
    "ecs-scheduler:job"   = "sync-orders"
  }
}

resource "aws_cloudwatch_metric_alarm" "dlq_oldest_message" {
  alarm_name          = "acme-commerce-internal-use1-orders-sync_sync-orders-dlq-oldest-message"
  alarm_description   = "A failed event of ecs-scheduler job sync-orders (stack orders-sync) has waited more than 3600 seconds in dead-letter queue acme-commerce-internal-use1-orders-sync_sync-orders-dlq."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 3600
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = ["arn:aws:sns:us-east-1:123456789012:batch-alerts"]
  ok_actions          = []
  dimensions = {
    QueueName = aws_sqs_queue.dlq.name
  }
  tags = {
    Team                  = "commerce"
    ResourceOwner         = "commerce-team"
    BillingEntity         = "acme"
    BillingDomain         = "commerce"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "orders-sync"
    "ecs-scheduler:job"   = "sync-orders"
  }
}

resource "aws_cloudwatch_event_rule" "task_failed" {
  name = "acme-commerce-internal-use1-orders-sync_sync-orders-task-failed"
  event_pattern = jsonencode({
    source      = ["aws.ecs"]
    detail-type = ["ECS Task State Change"]
    detail = {
      clusterArn = ["arn:aws:ecs:us-east-1:123456789012:cluster/batch"]
      lastStatus = ["STOPPED"]
      group = [
        {
          prefix = "ecs-scheduler:orders-sync:sync-orders:"
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
  description = "Failed ECS tasks of job sync-orders in stack orders-sync (ecs-scheduler task-failure alert)"
  state       = "ENABLED"
  tags = {
    Team                  = "commerce"
    ResourceOwner         = "commerce-team"
    BillingEntity         = "acme"
    BillingDomain         = "commerce"
    SecurityDomain        = "internal"
    ManagedBy             = "ecs-scheduler"
    "ecs-scheduler:stack" = "orders-sync"
    "ecs-scheduler:job"   = "sync-orders"
  }
}

resource "aws_cloudwatch_event_target" "task_failed" {
  for_each = {
    sns-batch-alerts-232e395c = "arn:aws:sns:us-east-1:123456789012:batch-alerts"
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
    input_template = "{\"summary\":\"An ECS task of job sync-orders in stack orders-sync failed on cluster batch.\",\"stack\":\"orders-sync\",\"job\":\"sync-orders\",\"schedule_group\":<group>,\"task_arn\":<taskArn>,\"stop_code\":<stopCode>,\"stopped_reason\":<stoppedReason>,\"started_at\":<startedAt>,\"stopped_at\":<stoppedAt>,\"containers\":<containers>,\"event_time\":<time>,\"console\":\"https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/batch/tasks?status=STOPPED&region=us-east-1\"}"
  }
}

locals {
  schedules = {
    "" = {
      name                         = "acme-commerce-internal-use1-orders-sync_sync-orders"
      description                  = "Sync orders from the ERP into the warehouse"
      schedule_expression          = "cron(0 9 ? * MON-FRI *)"
      schedule_expression_timezone = "Europe/London"
      state                        = "ENABLED"
      flexible_time_window_mode    = "FLEXIBLE"
      maximum_window_in_minutes    = 15
      input                        = null
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 86400
      task_count                   = 1
      group                        = "ecs-scheduler:orders-sync:sync-orders:"
    }
    evening = {
      name                         = "acme-commerce-internal-use1-orders-sync_sync-orders_evening"
      description                  = "Evening sync of the day's orders"
      schedule_expression          = "cron(0 18 ? * MON-FRI *)"
      schedule_expression_timezone = "Europe/London"
      state                        = "ENABLED"
      flexible_time_window_mode    = "FLEXIBLE"
      maximum_window_in_minutes    = 15
      input                        = null
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 86400
      task_count                   = 1
      group                        = "ecs-scheduler:orders-sync:sync-orders:evening"
    }
    weekend = {
      name                         = "acme-commerce-internal-use1-orders-sync_sync-orders_weekend"
      description                  = "Weekend sync of the last day of orders"
      schedule_expression          = "cron(0 12 ? * SAT,SUN *)"
      schedule_expression_timezone = "Europe/London"
      state                        = "ENABLED"
      flexible_time_window_mode    = "FLEXIBLE"
      maximum_window_in_minutes    = 15
      input = jsonencode({
        containerOverrides = [
          {
            name    = "sync-orders"
            command = ["sync", "--since", "1d"]
            environment = [
              {
                name  = "SYNC_MODE"
                value = "light"
              },
            ]
            memory = 1024
          },
        ]
      })
      maximum_retry_attempts       = 1
      maximum_event_age_in_seconds = 86400
      task_count                   = 1
      group                        = "ecs-scheduler:orders-sync:sync-orders:weekend"
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
  kms_key_arn                  = "arn:aws:kms:us-east-1:123456789012:alias/ecs-scheduler"

  flexible_time_window {
    mode                      = each.value.flexible_time_window_mode
    maximum_window_in_minutes = each.value.maximum_window_in_minutes
  }

  target {
    arn      = "arn:aws:ecs:us-east-1:123456789012:cluster/batch"
    role_arn = aws_iam_role.scheduler.arn
    input    = each.value.input

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
