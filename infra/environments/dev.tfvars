# terraform -chdir=infra init -backend-config=environments/dev.gcs.tfbackend
# terraform -chdir=infra apply -var-file=environments/dev.tfvars
project_id                        = "my-company-ai-usage-dev"
environment                       = "development"
region                            = "us-central1"
dataform_git_url                  = "https://github.com/my-company/ai-usage-analytics.git"
dataform_git_token_secret_version = "projects/my-company-ai-usage-dev/secrets/dataform-git-token/versions/1"
github_repository                 = "my-company/ai-usage-analytics"
notification_channels             = []
deletion_protection               = false
