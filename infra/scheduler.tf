# Starts the daily Cloud Run job execution (Google's pattern for scheduled batch work). The Run Admin API answers as
# soon as the execution is created, so the attempt deadline is short and the run itself is never cut off; a retried
# call that did start an execution is harmless (the job runs each day once).
resource "google_cloud_scheduler_job" "daily" {
  name             = "${local.name}-daily"
  project          = var.project_id
  region           = var.region
  description      = "Daily load of yesterday (plus lookback), then the Dataform workflow: starts the Cloud Run job."
  schedule         = var.schedule
  time_zone        = var.schedule_time_zone
  attempt_deadline = "180s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "60s"
    max_backoff_duration = "600s"
    max_doublings        = 2
    max_retry_duration   = "0s"
  }

  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/projects/${var.project_id}/locations/${var.region}/jobs/${google_cloud_run_v2_job.daily.name}:run"
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    # A googleapis.com target takes an OAuth access token (OIDC is for Cloud Run services and other HTTPS targets).
    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [google_project_service.apis, google_cloud_run_v2_job_iam_member.scheduler_runs_job]
}
