resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = "ai-usage"
  format        = "DOCKER"
  description   = "Images of the AI usage daily job service."
  labels        = local.labels

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_cloud_run_v2_service" "job" {
  name                = "${local.name}-job"
  project             = var.project_id
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL" # reachable, but every call needs an OIDC token of an invoker
  deletion_protection = var.deletion_protection
  labels              = local.labels

  template {
    service_account = google_service_account.pipeline.email
    timeout         = "3600s"
    # One run per environment (the GCS lock); a few concurrent requests so /health and the 409 answer during a run.
    max_instance_request_concurrency = 4

    scaling {
      min_instance_count = 0
      max_instance_count = 1
    }

    containers {
      image = var.image

      resources {
        limits = {
          cpu    = "1"
          memory = "1Gi"
        }
        cpu_idle = true
      }

      env {
        name  = "ENVIRONMENT"
        value = var.environment
      }
      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "BIGQUERY_DATASET"
        value = local.dataset_base
      }
      env {
        name  = "WAREHOUSE"
        value = "bigquery"
      }
      env {
        name  = "LAKE_URI"
        value = "gs://${google_storage_bucket.lake.name}/"
      }
      env {
        name  = "LOCK_URI"
        value = "gs://${google_storage_bucket.lake.name}/locks/daily-job.lock"
      }
      env {
        name  = "SECRETS_SOURCE"
        value = "secret-manager"
      }
      env {
        name  = "DATAFORM_REGION"
        value = var.region
      }
      env {
        name  = "DATAFORM_REPOSITORY"
        value = google_dataform_repository.main.name
      }
      env {
        name  = "DATAFORM_RELEASE_CONFIG"
        value = google_dataform_repository_release_config.env.name
      }
      env {
        name  = "DATAFORM_SERVICE_ACCOUNT"
        value = google_service_account.dataform.email
      }
      dynamic "env" {
        for_each = var.sheets_spreadsheet_id != "" ? [var.sheets_spreadsheet_id] : []
        content {
          name  = "GOOGLE_SHEETS_SPREADSHEET_ID"
          value = env.value
        }
      }

      startup_probe {
        http_get {
          path = "/health"
        }
        period_seconds    = 5
        failure_threshold = 6
      }
    }
  }

  lifecycle {
    # Deploys (GitHub Actions, scripts/deploy.sh) roll the image; Terraform owns everything else.
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_project_service.apis, google_secret_manager_secret_iam_member.vendor_pipeline]
}

# Not public: only the scheduler's account may invoke.
resource "google_cloud_run_v2_service_iam_member" "scheduler_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.job.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}
