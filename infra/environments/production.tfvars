# terraform -chdir=infra init -backend-config=environments/production.gcs.tfbackend
# terraform -chdir=infra apply -var-file=environments/production.tfvars
project_id                        = "my-company-ai-usage-production"
environment                       = "production"
region                            = "us-central1"
dataform_git_url                  = "https://github.com/my-company/ai-usage-analytics.git"
dataform_git_token_secret_version = "projects/my-company-ai-usage-production/secrets/dataform-git-token/versions/1"
github_repository                 = "my-company/ai-usage-analytics"
notification_channels             = []
deletion_protection               = true
