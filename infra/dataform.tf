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

  # Development workspaces write to <base>_ws and <base>_assertions_ws (bigquery.tf), never to the real datasets.
  workspace_compilation_overrides {
    default_database = var.project_id
    schema_suffix    = "ws"
  }

  depends_on = [google_project_service.apis, google_secret_manager_secret_iam_member.git_token_dataform_agent]
}

# Compiles the Dataform project as deploys publish it: branch dataform/<environment> holds only definitions/,
# includes/ and workflow_settings.yaml with dataformCoreVersion (scripts/publish-dataform.sh), so GCP's compile
# installs @dataform/core and nothing else. Each deploy compiles it and makes that the released compilation.
resource "google_dataform_repository_release_config" "env" {
  provider      = google-beta
  project       = var.project_id
  region        = var.region
  repository    = google_dataform_repository.main.name
  name          = var.environment
  git_commitish = "dataform/${var.environment}"

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
}

# For manual runs from the console ("daily" tag with dependencies); no cron: the Cloud Run job is the scheduled run.
# It runs the release config's released compilation, which each deploy sets.
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

# The weekly checks: the whole-history assertions (tag "weekly"; the daily build checks only the days it changed,
# docs/models.md "Assertions"). Dataform runs it on its own schedule, on the release config's released compilation,
# reading the tables the daily runs built (no dependencies rebuilt); a failure alerts (monitoring.tf).
resource "google_dataform_repository_workflow_config" "weekly" {
  provider       = google-beta
  project        = var.project_id
  region         = var.region
  repository     = google_dataform_repository.main.name
  name           = "weekly"
  release_config = google_dataform_repository_release_config.env.id
  cron_schedule  = var.weekly_checks_schedule
  time_zone      = var.schedule_time_zone

  invocation_config {
    included_tags                            = ["weekly"]
    transitive_dependencies_included         = false
    fully_refresh_incremental_tables_enabled = false
    service_account                          = google_service_account.dataform.email
  }
}

# The pipeline compiles and invokes in this repository only (custom role, iam.tf).
resource "google_dataform_repository_iam_member" "pipeline" {
  provider   = google-beta
  project    = var.project_id
  region     = var.region
  repository = google_dataform_repository.main.name
  role       = google_project_iam_custom_role.dataform_invoker.id
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}
