resource "google_cloud_scheduler_job" "daily" {
  name             = "${local.name}-daily"
  project          = var.project_id
  region           = var.region
  description      = "Daily load of yesterday (plus lookback), then the Dataform workflow."
  schedule         = var.schedule
  time_zone        = var.schedule_time_zone
  attempt_deadline = "1800s" # Scheduler's maximum for HTTP targets; longer runs finish on Cloud Run regardless

  retry_config {
    retry_count          = 3
    min_backoff_duration = "300s"
    max_backoff_duration = "1800s"
    max_doublings        = 2
    max_retry_duration   = "0s"
  }

  http_target {
    http_method = "POST"
    uri         = "${google_cloud_run_v2_service.job.uri}/run-daily-job"
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode(jsonencode({ mode = var.run_mode }))

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloud_run_v2_service.job.uri
    }
  }

  depends_on = [google_project_service.apis, google_cloud_run_v2_service_iam_member.scheduler_invoker]
}
