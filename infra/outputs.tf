output "service_url" {
  value = google_cloud_run_v2_service.job.uri
}

output "service_name" {
  value = google_cloud_run_v2_service.job.name
}

output "image_repository" {
  description = "Push images here: <region>-docker.pkg.dev/<project>/ai-usage/service:<tag>."
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "job_name" {
  description = "The Cloud Run job of the scheduled daily run."
  value       = google_cloud_run_v2_job.daily.name
}

output "state_bucket" {
  description = "Lock, run records (runs/<id>.json) and scheduled days done (daily/<day>.json)."
  value       = google_storage_bucket.state.name
}

output "lake_bucket" {
  value = google_storage_bucket.lake.name
}

output "datasets" {
  value = {
    raw        = google_bigquery_dataset.raw.dataset_id
    analytics  = google_bigquery_dataset.analytics.dataset_id
    assertions = google_bigquery_dataset.assertions.dataset_id
  }
}

output "service_accounts" {
  value = {
    pipeline  = google_service_account.pipeline.email
    scheduler = google_service_account.scheduler.email
    dataform  = google_service_account.dataform.email
  }
}

output "dataform_repository" {
  value = google_dataform_repository.main.id
}

output "dataform_release_config" {
  value = google_dataform_repository_release_config.env.id
}

output "scheduler_job" {
  value = google_cloud_scheduler_job.daily.id
}

output "secret_ids" {
  value = [for s in google_secret_manager_secret.vendor : s.secret_id]
}

output "github_workload_identity_provider" {
  description = "Set as the GitHub environment variable WIF_PROVIDER."
  value       = google_iam_workload_identity_pool_provider.github.name
}

output "github_deployer_service_account" {
  description = "Set as the GitHub environment variable DEPLOY_SERVICE_ACCOUNT."
  value       = google_service_account.deployer.email
}
