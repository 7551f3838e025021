# Log-based metrics over the structured log events of the service and the job (service/daily-run.ts), and the alerts
# built on them. The scheduled run logs as the Cloud Run job, manual runs as the service.
locals {
  service_logs  = "((resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${google_cloud_run_v2_service.job.name}\") OR (resource.type=\"cloud_run_job\" AND resource.labels.job_name=\"${google_cloud_run_v2_job.daily.name}\"))"
  metric_prefix = replace(local.name, "-", "_")
  alert_docs    = "See docs/runbook.md in the ai-usage-analytics repository."
}

resource "google_logging_metric" "run_failures" {
  name   = "${local.metric_prefix}_run_failures"
  filter = "${local.service_logs} AND jsonPayload.event=\"daily_job_finished\" AND jsonPayload.ok=false"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

resource "google_logging_metric" "run_successes" {
  name   = "${local.metric_prefix}_run_successes"
  filter = "${local.service_logs} AND jsonPayload.event=\"daily_job_finished\" AND jsonPayload.ok=true AND jsonPayload.mode!=\"dry_run\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

resource "google_logging_metric" "stream_results" {
  name   = "${local.metric_prefix}_stream_results"
  filter = "${local.service_logs} AND jsonPayload.event=\"stream_finished\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key = "source"
    }
    labels {
      key = "status"
    }
  }
  label_extractors = {
    source = "EXTRACT(jsonPayload.source)"
    status = "EXTRACT(jsonPayload.status)"
  }
}

resource "google_logging_metric" "cost_variance" {
  name   = "${local.metric_prefix}_cost_variance_exceeded"
  filter = "${local.service_logs} AND jsonPayload.event=\"cost_variance_exceeded\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

# Dataform logs every workflow invocation's end (docs: Dataform, "View Cloud Logging logs"): the weekly checks run
# there and nowhere else, so their failure alerts from it (a daily run's failure also lands here, beside run_failed).
resource "google_logging_metric" "dataform_failures" {
  name   = "${local.metric_prefix}_dataform_failures"
  filter = "resource.type=\"dataform.googleapis.com/Repository\" AND resource.labels.repository_id=\"${google_dataform_repository.main.name}\" AND logName:\"workflow_invocation_completion\" AND jsonPayload.terminalState=\"FAILED\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

resource "google_monitoring_alert_policy" "run_failed" {
  display_name          = "AI usage ${var.environment}: daily run failed"
  combiner              = "OR"
  notification_channels = var.notification_channels
  documentation {
    content = "The daily job returned a failure (load stream, Dataform compilation, action or assertion). ${local.alert_docs}"
  }
  conditions {
    display_name = "daily_job_finished with ok=false"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.run_failures.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }
}

# Metric-absence windows stop at 23.5 h, so staleness (> 25 h without a successful run) is a PromQL condition.
resource "google_monitoring_alert_policy" "stale_data" {
  display_name          = "AI usage ${var.environment}: data older than 25 h"
  combiner              = "OR"
  notification_channels = var.notification_channels
  documentation {
    content = "No successful daily run for more than 25 hours: the reports are stale. ${local.alert_docs}"
  }
  conditions {
    display_name = "no successful run in 25 h"
    condition_prometheus_query_language {
      query               = "absent_over_time(logging_googleapis_com:user_${google_logging_metric.run_successes.name}[25h])"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }
}

resource "google_monitoring_alert_policy" "cost_variance" {
  display_name          = "AI usage ${var.environment}: daily cost more than 20 % off the 7-day average"
  combiner              = "OR"
  notification_channels = var.notification_channels
  documentation {
    content = "Yesterday's total cost differs from the trailing 7-day average by more than the threshold. ${local.alert_docs}"
  }
  conditions {
    display_name = "cost_variance_exceeded logged"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.cost_variance.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }
}

# Share of vendor streams that failed after the client's retries, per source, over a day.
resource "google_monitoring_alert_policy" "api_errors" {
  display_name          = "AI usage ${var.environment}: vendor API error rate"
  combiner              = "OR"
  notification_channels = var.notification_channels
  documentation {
    content = "More than 20 % of a source's streams failed in the last 24 h (vendor API errors after retries, or bad keys). ${local.alert_docs}"
  }
  conditions {
    display_name = "failed streams / all streams > 0.2"
    condition_prometheus_query_language {
      query               = "sum by (source) (increase(logging_googleapis_com:user_${google_logging_metric.stream_results.name}{status=\"failed\"}[24h])) / sum by (source) (increase(logging_googleapis_com:user_${google_logging_metric.stream_results.name}[24h])) > 0.2"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }
}

resource "google_monitoring_alert_policy" "checks_failed" {
  display_name          = "AI usage ${var.environment}: a Dataform workflow failed (weekly checks)"
  combiner              = "OR"
  notification_channels = var.notification_channels
  documentation {
    content = "A Dataform workflow invocation failed: alone, the weekly whole-history checks found bad rows (their assertions list them); with \"daily run failed\", the daily run's. ${local.alert_docs}"
  }
  conditions {
    display_name = "workflow invocation FAILED"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.dataform_failures.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }
}
