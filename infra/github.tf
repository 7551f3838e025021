# GitHub Actions deploys through Workload Identity Federation: no service-account keys exist anywhere.
resource "google_iam_workload_identity_pool" "github" {
  project                   = var.project_id
  workload_identity_pool_id = "github-${local.short_env}"
  display_name              = "GitHub Actions (${var.environment})"
  depends_on                = [google_project_service.apis]
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub OIDC"
  attribute_mapping = {
    "google.subject"        = "assertion.sub"
    "attribute.repository"  = "assertion.repository"
    "attribute.ref"         = "assertion.ref"
    "attribute.environment" = "assertion.environment"
  }
  # Only jobs of this repository's main branch that run in this environment's GitHub environment (deploy.yml):
  # no pull request, no other branch, no job outside the protected environment can exchange a token.
  attribute_condition = "assertion.repository == \"${var.github_repository}\" && assertion.ref == \"refs/heads/main\" && assertion.environment == \"${var.environment}\""
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account" "deployer" {
  account_id   = "${local.name}-deployer"
  display_name = "AI usage deployer (GitHub Actions, ${var.environment})"
  project      = var.project_id
}

resource "google_service_account_iam_member" "deployer_wif" {
  service_account_id = google_service_account.deployer.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.environment/${var.environment}"
}

resource "google_artifact_registry_repository_iam_member" "deployer_push" {
  project    = var.project_id
  location   = var.region
  repository = google_artifact_registry_repository.images.repository_id
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.deployer.email}"
}

# Roll new images into this one service and this one job (custom role, iam.tf): no run.jobs.run, no invoking.
resource "google_cloud_run_v2_service_iam_member" "deployer_rollout" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.job.name
  role     = google_project_iam_custom_role.run_deployer.id
  member   = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_cloud_run_v2_job_iam_member" "deployer_rollout" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_job.daily.name
  role     = google_project_iam_custom_role.run_deployer.id
  member   = "serviceAccount:${google_service_account.deployer.email}"
}

# A revision and an execution run as the pipeline account, so rolling the image needs actAs on it.
resource "google_service_account_iam_member" "deployer_acts_as_pipeline" {
  service_account_id = google_service_account.pipeline.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.deployer.email}"
}

# Releases the published Dataform commit: compile the release config, set the released compilation (custom role).
resource "google_dataform_repository_iam_member" "deployer" {
  provider   = google-beta
  project    = var.project_id
  region     = var.region
  repository = google_dataform_repository.main.name
  role       = google_project_iam_custom_role.dataform_releaser.id
  member     = "serviceAccount:${google_service_account.deployer.email}"
}

# Strict act-as (enforced for all repositories): updating a release config needs actAs on the service account of
# every workflow config that uses it, here the Dataform account.
resource "google_service_account_iam_member" "deployer_acts_as_dataform" {
  service_account_id = google_service_account.dataform.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.deployer.email}"
}
