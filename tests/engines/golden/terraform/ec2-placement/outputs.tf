output "nightly-vacuum" {
  value = module.nightly-vacuum
}
