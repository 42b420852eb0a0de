provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}

module "nightly-vacuum" {
  source = "./modules/nightly-vacuum"
}
