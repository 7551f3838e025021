# Three identities, least privilege: no primitive or admin roles; resource-level grants wherever the API allows.
resource "google_service_account" "pipeline" {
  account_id   = "${local.name}-pipeline"
  display_name = "AI usage pipeline (Cloud Run, ${var.environment})"
  project      = var.project_id
}

resource "google_service_account" "scheduler" {
  account_id   = "${local.name}-scheduler"
  display_name = "AI usage scheduler (OIDC caller, ${var.environment})"
  project      = var.project_id
}

resource "google_service_account" "dataform" {
  account_id   = "${local.name}-dataform"
  display_name = "AI usage Dataform runner (${var.environment})"
  project      = var.project_id
}

# BigQuery jobs (loads, queries) are project-scoped; data access is granted per dataset in bigquery.tf.
resource "google_project_iam_member" "pipeline_bq_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_project_iam_member" "dataform_bq_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.dataform.email}"
}

# The pipeline starts invocations that run as the Dataform account (strict act-as).
resource "google_service_account_iam_member" "pipeline_acts_as_dataform" {
  service_account_id = google_service_account.dataform.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.pipeline.email}"
}

# Dataform's service agent impersonates the Dataform account to run queries.
resource "google_project_service_identity" "dataform_agent" {
  provider = google-beta
  project  = var.project_id
  service  = "dataform.googleapis.com"
}

resource "google_service_account_iam_member" "dataform_agent_token" {
  service_account_id = google_service_account.dataform.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.dataform_agent.email}"
}
