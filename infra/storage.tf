# The lake: the immutable raw archive (raw/, quarantine/, manifests/). The pipeline may create and read objects,
# never overwrite or delete them (objectCreator + objectViewer; uploads are create-only, ifGenerationMatch=0).
resource "google_storage_bucket" "lake" {
  name                        = "${var.project_id}-${local.name}-lake"
  project                     = var.project_id
  location                    = var.bigquery_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = local.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age                   = var.lake_coldline_after_days
      matches_prefix        = ["raw/", "quarantine/", "manifests/"]
      matches_storage_class = ["STANDARD"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }

  lifecycle_rule {
    condition {
      age                   = var.lake_coldline_after_days * 4
      matches_prefix        = ["raw/", "quarantine/", "manifests/"]
      matches_storage_class = ["NEARLINE"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  depends_on = [google_project_service.apis]
}

# Create new objects only: without storage.objects.delete an existing object cannot be overwritten either.
resource "google_storage_bucket_iam_member" "lake_pipeline_create" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}

# BigQuery load jobs read the lake objects with the pipeline's credentials.
resource "google_storage_bucket_iam_member" "lake_pipeline_read" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}

# Run state, apart from the lake: the lock (locks/), run records (runs/) and the scheduled days done (daily/).
resource "google_storage_bucket" "state" {
  name                        = "${var.project_id}-${local.name}-state"
  project                     = var.project_id
  location                    = var.bigquery_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age = var.run_record_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# The lock is created and deleted on every run; records are written once.
resource "google_storage_bucket_iam_member" "state_pipeline" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}
