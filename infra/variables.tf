variable "project_id" {
  description = "GCP project id."
  type        = string
}

variable "region" {
  description = "Region for Cloud Run, Scheduler, Artifact Registry and Dataform."
  type        = string
  default     = "us-central1"
}

variable "environment" {
  description = "development, staging or production."
  type        = string
  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "environment must be development, staging or production."
  }
}

variable "bigquery_location" {
  description = "BigQuery and lake bucket location."
  type        = string
  default     = "US"
}

variable "dataset_base" {
  description = "Base dataset name; empty means the default for the environment (ai_usage_dev, ai_usage_staging, ai_usage)."
  type        = string
  default     = ""
}

variable "image" {
  description = "Container image for the service. Deploys replace it; the first apply can use the public hello image."
  type        = string
  default     = "us-docker.pkg.dev/cloudrun/container/hello"
}

variable "run_mode" {
  description = "Load mode of the scheduled run (the Cloud Run job's RUN_MODE): dry_run, development or production."
  type        = string
  default     = "production"
  validation {
    condition     = contains(["dry_run", "development", "production"], var.run_mode)
    error_message = "run_mode must be dry_run, development or production."
  }
}

variable "schedule" {
  description = "Cron for the daily job."
  type        = string
  default     = "0 6 * * *"
}

variable "weekly_checks_schedule" {
  description = "Cron for the weekly whole-history checks (Dataform workflow config \"weekly\"), in schedule_time_zone; away from the daily run so they read a finished build."
  type        = string
  default     = "0 12 * * 0"
}

variable "schedule_time_zone" {
  type    = string
  default = "America/Los_Angeles"
}

variable "dataform_git_url" {
  description = "HTTPS URL of the git repository holding the Dataform project (this repository)."
  type        = string
}

variable "dataform_git_branch" {
  type    = string
  default = "main"
}

variable "dataform_git_token_secret_version" {
  description = "Secret Manager secret version (projects/.../secrets/.../versions/N) holding a read-only git token for Dataform."
  type        = string
}

variable "sheets_spreadsheet_id" {
  description = "Google Sheet with the people/teams mapping tabs; share it read-only with the pipeline service account."
  type        = string
  default     = ""
}

variable "notification_channels" {
  description = "Monitoring notification channel ids (projects/<p>/notificationChannels/<id>) for every alert."
  type        = list(string)
  default     = []
}

variable "lake_coldline_after_days" {
  description = "Lake objects move to Nearline after this many days, and to Coldline after four times as many."
  type        = number
  default     = 30
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose Actions deploy here (Workload Identity Federation)."
  type        = string
}

variable "run_record_retention_days" {
  description = "Run records, scheduled-day markers and stale locks in the state bucket are deleted after this many days."
  type        = number
  default     = 400
}
