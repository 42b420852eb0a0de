output "sync-orders" {
  value = module.sync-orders
}
