output "daily-report" {
  value = module.daily-report
}
