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

# Dataform's service agent impersonates the Dataform account to run queries. After the API is enabled: the agent
# does not exist before.
resource "google_project_service_identity" "dataform_agent" {
  provider   = google-beta
  project    = var.project_id
  service    = "dataform.googleapis.com"
  depends_on = [google_project_service.apis]
}

resource "google_service_account_iam_member" "dataform_agent_token" {
  service_account_id = google_service_account.dataform.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.dataform_agent.email}"
}

# Custom roles: exactly the permissions of the calls in docs/deploy.md (permission matrix), granted per resource.
# Start and follow workflow runs of this repository: no editing of release or workflow configs, no workspaces.
resource "google_project_iam_custom_role" "dataform_invoker" {
  project     = var.project_id
  role_id     = "${local.role_prefix}DataformInvoker"
  title       = "AI usage ${var.environment}: Dataform invoker"
  description = "Compile the release config and start, follow and cancel workflow invocations."
  permissions = [
    "dataform.compilationResults.create",
    "dataform.compilationResults.query",
    "dataform.releaseConfigs.get",
    "dataform.workflowInvocations.cancel",
    "dataform.workflowInvocations.create",
    "dataform.workflowInvocations.get",
    "dataform.workflowInvocations.list",
    "dataform.workflowInvocations.query",
  ]
}

# Release a compiled commit: compile the release config and set it as the release config's current result.
resource "google_project_iam_custom_role" "dataform_releaser" {
  project     = var.project_id
  role_id     = "${local.role_prefix}DataformReleaser"
  title       = "AI usage ${var.environment}: Dataform releaser"
  description = "Compile the release config and make the result its released compilation."
  permissions = [
    "dataform.compilationResults.create",
    "dataform.releaseConfigs.get",
    "dataform.releaseConfigs.update",
  ]
}

# Roll new images into the service and the job; no running, invoking or IAM changes.
resource "google_project_iam_custom_role" "run_deployer" {
  project     = var.project_id
  role_id     = "${local.role_prefix}RunDeployer"
  title       = "AI usage ${var.environment}: Cloud Run deployer"
  description = "Update the image of the Cloud Run service and job and watch the rollout."
  permissions = [
    "run.jobs.get",
    "run.jobs.update",
    "run.operations.get",
    "run.revisions.get",
    "run.revisions.list",
    "run.services.get",
    "run.services.update",
  ]
}
