resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = "ai-usage"
  format        = "DOCKER"
  description   = "Images of the AI usage daily job service."
  labels        = local.labels

  # Policies apply only when dry run is off. KEEP wins over DELETE: the 20 newest images stay whatever their age.
  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "2592000s" # 30 days
    }
  }

  depends_on = [google_project_service.apis]
}

# One environment for the service and the job (the same image): the loaders' and the service's settings.
locals {
  run_env = merge(
    {
      ENVIRONMENT              = var.environment
      GOOGLE_CLOUD_PROJECT     = var.project_id
      BIGQUERY_DATASET         = local.dataset_base
      WAREHOUSE                = "bigquery"
      LAKE_URI                 = "gs://${google_storage_bucket.lake.name}/"
      LOCK_URI                 = "gs://${google_storage_bucket.state.name}/locks/daily-job.lock"
      RUN_RECORDS_URI          = "gs://${google_storage_bucket.state.name}/"
      SECRETS_SOURCE           = "secret-manager"
      DATAFORM_REGION          = var.region
      DATAFORM_REPOSITORY      = google_dataform_repository.main.name
      DATAFORM_RELEASE_CONFIG  = google_dataform_repository_release_config.env.name
      DATAFORM_SERVICE_ACCOUNT = google_service_account.dataform.email
    },
    var.sheets_spreadsheet_id != "" ? { GOOGLE_SHEETS_SPREADSHEET_ID = var.sheets_spreadsheet_id } : {},
  )
}

# Manual runs and checks: POST /run-daily-job (up to the 60-minute request timeout) and GET /health. Private: no
# invoker is granted here; operators call it with their own roles (docs/runbook.md).
resource "google_cloud_run_v2_service" "job" {
  name                = "${local.name}-job"
  project             = var.project_id
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL" # reachable, but every call needs an identity token of an invoker
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
        # Request-based billing: a manual run is one request, and CPU is allocated while it lasts.
        cpu_idle = true
      }

      dynamic "env" {
        for_each = local.run_env
        content {
          name  = env.key
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

# The scheduled daily run. Scheduler starts an execution and is answered at once; the task then runs to completion
# (up to task_timeout) with CPU for its whole life, and is never retried by Cloud Run: a failure alerts instead, and
# a repeated execution of a day that succeeded does nothing (service/job.ts).
resource "google_cloud_run_v2_job" "daily" {
  name                = "${local.name}-daily"
  project             = var.project_id
  location            = var.region
  deletion_protection = var.deletion_protection
  labels              = local.labels

  template {
    task_count  = 1
    parallelism = 1

    template {
      service_account = google_service_account.pipeline.email
      timeout         = "5400s" # a run of up to 60 minutes, with room for the load before Dataform
      max_retries     = 0

      containers {
        image   = var.image
        command = ["node", "--enable-source-maps", "dist/service/job.js"]

        resources {
          limits = {
            cpu    = "1"
            memory = "1Gi"
          }
        }

        dynamic "env" {
          for_each = local.run_env
          content {
            name  = env.key
            value = env.value
          }
        }
        env {
          name  = "RUN_MODE"
          value = var.run_mode
        }
      }
    }
  }

  lifecycle {
    ignore_changes = [template[0].template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_project_service.apis, google_secret_manager_secret_iam_member.vendor_pipeline]
}

# Only the scheduler's account may start executions (run.jobs.run).
resource "google_cloud_run_v2_job_iam_member" "scheduler_runs_job" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_job.daily.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}
