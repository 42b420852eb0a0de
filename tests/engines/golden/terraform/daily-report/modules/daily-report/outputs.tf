output "schedule_group_name" {
  value = aws_scheduler_schedule_group.ecs.name
}

output "schedule_group_arn" {
  value = aws_scheduler_schedule_group.ecs.arn
}

output "schedule_names" {
  value = { for key, schedule in aws_scheduler_schedule.ecs : key => schedule.name }
}

output "schedule_arns" {
  value = { for key, schedule in aws_scheduler_schedule.ecs : key => schedule.arn }
}

output "role_name" {
  value = aws_iam_role.scheduler.name
}

output "role_arn" {
  value = aws_iam_role.scheduler.arn
}

output "dlq_name" {
  value = aws_sqs_queue.dlq.name
}

output "dlq_arn" {
  value = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  value = aws_sqs_queue.dlq.url
}

output "alarm_names" {
  value = {
    dlq_messages_visible = aws_cloudwatch_metric_alarm.dlq_messages_visible.alarm_name
    dlq_oldest_message   = aws_cloudwatch_metric_alarm.dlq_oldest_message.alarm_name
  }
}

output "alarm_arns" {
  value = {
    dlq_messages_visible = aws_cloudwatch_metric_alarm.dlq_messages_visible.arn
    dlq_oldest_message   = aws_cloudwatch_metric_alarm.dlq_oldest_message.arn
  }
}

output "task_failure_rule_name" {
  value = aws_cloudwatch_event_rule.task_failed.name
}

output "task_failure_rule_arn" {
  value = aws_cloudwatch_event_rule.task_failed.arn
}
