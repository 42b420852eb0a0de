provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}

module "backfill-2030" {
  source = "./modules/backfill-2030"
}
