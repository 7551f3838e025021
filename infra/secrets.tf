# Vendor keys: the secrets exist here; their values are added by an operator (docs/runbook.md, rotating a key).
resource "google_secret_manager_secret" "vendor" {
  for_each  = local.secret_ids
  project   = var.project_id
  secret_id = each.value
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

# Only the pipeline account can read them.
resource "google_secret_manager_secret_iam_member" "vendor_pipeline" {
  for_each  = google_secret_manager_secret.vendor
  project   = var.project_id
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.pipeline.email}"
}

# Dataform's service agent reads the git token that lets it fetch the repository.
resource "google_secret_manager_secret_iam_member" "git_token_dataform_agent" {
  project   = var.project_id
  secret_id = regex("secrets/([^/]+)/versions", var.dataform_git_token_secret_version)[0]
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_project_service_identity.dataform_agent.email}"
}
