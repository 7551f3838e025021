# One base dataset per environment and its _raw and _assertions siblings (docs/data-contract.md).
resource "google_bigquery_dataset" "raw" {
  dataset_id  = "${local.dataset_base}_raw"
  project     = var.project_id
  location    = var.bigquery_location
  description = "Raw vendor records, append-only; written by the loaders."
  labels      = local.labels
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_dataset" "analytics" {
  dataset_id  = local.dataset_base
  project     = var.project_id
  location    = var.bigquery_location
  description = "Staging views, the seven tables and the Looker Studio views; built by Dataform."
  labels      = local.labels
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_dataset" "assertions" {
  dataset_id  = "${local.dataset_base}_assertions"
  project     = var.project_id
  location    = var.bigquery_location
  description = "Dataform assertion views."
  labels      = local.labels
  depends_on  = [google_project_service.apis]
}

# Where development workspaces write (the repository's workspace_compilation_overrides schema_suffix "ws").
resource "google_bigquery_dataset" "workspace" {
  for_each    = toset(["${local.dataset_base}_ws", "${local.dataset_base}_assertions_ws"])
  dataset_id  = each.value
  project     = var.project_id
  location    = var.bigquery_location
  description = "Dataform development workspaces' outputs; safe to empty."
  labels      = local.labels
  depends_on  = [google_project_service.apis]
}

resource "google_bigquery_dataset_iam_member" "workspace_dataform" {
  for_each   = google_bigquery_dataset.workspace
  dataset_id = each.value.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.dataform.email}"
}

# Dataset-level grants: the pipeline writes raw only; Dataform reads raw and writes the other two.
resource "google_bigquery_dataset_iam_member" "raw_pipeline" {
  dataset_id = google_bigquery_dataset.raw.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_bigquery_dataset_iam_member" "raw_dataform" {
  dataset_id = google_bigquery_dataset.raw.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.dataform.email}"
}

resource "google_bigquery_dataset_iam_member" "analytics_dataform" {
  dataset_id = google_bigquery_dataset.analytics.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.dataform.email}"
}

resource "google_bigquery_dataset_iam_member" "assertions_dataform" {
  dataset_id = google_bigquery_dataset.assertions.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.dataform.email}"
}

# The service reads fct_cost_daily after each run for the cost variance check.
resource "google_bigquery_dataset_iam_member" "analytics_pipeline" {
  dataset_id = google_bigquery_dataset.analytics.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}
