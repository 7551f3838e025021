# Dataform resources are beta-only (reference dataform.md §B6).
resource "google_dataform_repository" "main" {
  provider        = google-beta
  project         = var.project_id
  region          = var.region
  name            = "ai-usage-${local.short_env}"
  display_name    = "AI usage analytics (${var.environment})"
  service_account = google_service_account.dataform.email
  labels          = local.labels

  git_remote_settings {
    url                                 = var.dataform_git_url
    default_branch                      = var.dataform_git_branch
    authentication_token_secret_version = var.dataform_git_token_secret_version
  }

  workspace_compilation_overrides {
    default_database = var.project_id
    schema_suffix    = "ws"
  }

  depends_on = [google_project_service.apis, google_secret_manager_secret_iam_member.git_token_dataform_agent]
}

# The service compiles from this release config on each run; deploys move git_commitish to the deployed commit.
resource "google_dataform_repository_release_config" "env" {
  provider      = google-beta
  project       = var.project_id
  region        = var.region
  repository    = google_dataform_repository.main.name
  name          = var.environment
  git_commitish = var.dataform_git_commitish

  code_compilation_config {
    default_database = var.project_id
    default_schema   = local.dataset_base
    assertion_schema = "${local.dataset_base}_assertions"
    default_location = var.bigquery_location
    vars = {
      raw_dataset = "${local.dataset_base}_raw"
      environment = var.environment
    }
  }

  lifecycle {
    ignore_changes = [git_commitish] # owned by deploys after the first apply
  }
}

# For manual runs from the console ("daily" tag with dependencies); no cron: the service is the scheduler's target.
resource "google_dataform_repository_workflow_config" "daily" {
  provider       = google-beta
  project        = var.project_id
  region         = var.region
  repository     = google_dataform_repository.main.name
  name           = "daily"
  release_config = google_dataform_repository_release_config.env.id

  invocation_config {
    included_tags                            = ["daily"]
    transitive_dependencies_included         = true
    fully_refresh_incremental_tables_enabled = false
    service_account                          = google_service_account.dataform.email
  }
}

# The pipeline creates compilation results and workflow invocations in this repository only.
resource "google_dataform_repository_iam_member" "pipeline" {
  provider   = google-beta
  project    = var.project_id
  region     = var.region
  repository = google_dataform_repository.main.name
  role       = "roles/dataform.editor"
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}
