locals {
  default_datasets = { development = "ai_usage_dev", staging = "ai_usage_staging", production = "ai_usage" }
  dataset_base     = var.dataset_base != "" ? var.dataset_base : local.default_datasets[var.environment]
  short_env        = { development = "dev", staging = "stg", production = "prod" }[var.environment]
  name             = "ai-usage-${local.short_env}"
  role_prefix      = "aiUsage${title(local.short_env)}"
  labels           = { app = "ai-usage-analytics", environment = var.environment }

  # The one list of secret ids, shared with service/secret-names.ts.
  secret_ids = jsondecode(file("${path.module}/../service/secret-names.json"))

  apis = [
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudscheduler.googleapis.com",
    "dataform.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "sheets.googleapis.com",
    "storage.googleapis.com",
  ]
}

resource "google_project_service" "apis" {
  for_each           = toset(local.apis)
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
