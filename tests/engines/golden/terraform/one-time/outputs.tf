output "backfill-2030" {
  value = module.backfill-2030
}
