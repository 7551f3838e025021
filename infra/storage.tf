# The lake: immutable raw archive (raw/, quarantine/, manifests/) plus the run lock object (locks/).
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

  # Old versions of overwritten objects (the lock, mostly) are not worth keeping.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 7
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_iam_member" "lake_pipeline" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}
