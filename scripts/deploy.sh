#!/usr/bin/env bash
# Manual deploy, the same steps as .github/workflows/deploy.yml: build and push the image, roll Cloud Run to it,
# point the Dataform release config at the commit, smoke-test /health.
# Usage: scripts/deploy.sh <development|staging|production>
# Reads names from `terraform -chdir=infra output` (the workspace initialised for that environment) unless
# PROJECT_ID, REGION, SERVICE, IMAGE_REPOSITORY and DATAFORM_REPOSITORY are already set.
# Needs gcloud (logged in as someone allowed to deploy) and either docker or Cloud Build.
set -euo pipefail

environment="${1:-}"
case "$environment" in
  development | staging | production) ;;
  *) echo "usage: $0 <development|staging|production>" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

tf_output() { terraform -chdir=infra output -raw "$1"; }
if [[ -z "${SERVICE:-}" ]]; then
  command -v terraform >/dev/null || { echo "set PROJECT_ID, REGION, SERVICE, IMAGE_REPOSITORY, DATAFORM_REPOSITORY or install terraform" >&2; exit 2; }
  SERVICE="$(tf_output service_name)"
  IMAGE_REPOSITORY="$(tf_output image_repository)"
  DATAFORM_REPOSITORY="$(tf_output dataform_repository | sed 's#.*/repositories/##')"
  PROJECT_ID="$(echo "$IMAGE_REPOSITORY" | cut -d/ -f2)"
  REGION="$(echo "$IMAGE_REPOSITORY" | cut -d/ -f1 | sed 's/-docker.pkg.dev//')"
fi
: "${PROJECT_ID:?}" "${REGION:?}" "${SERVICE:?}" "${IMAGE_REPOSITORY:?}" "${DATAFORM_REPOSITORY:?}"

if [[ -n "$(git status --porcelain)" ]]; then
  echo "the work tree has uncommitted changes; deploy a commit" >&2
  exit 1
fi
sha="$(git rev-parse HEAD)"
image="${IMAGE_REPOSITORY}/service:${sha}"

echo "==> build and push ${image}"
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet
  docker build --tag "$image" .
  docker push "$image"
else
  gcloud builds submit --project "$PROJECT_ID" --region "$REGION" --tag "$image" .
fi

echo "==> roll ${SERVICE} to the new image"
gcloud run services update "$SERVICE" --project "$PROJECT_ID" --region "$REGION" --image "$image" --quiet

echo "==> release config ${environment} -> ${sha}"
curl -fsS -X PATCH \
  "https://dataform.googleapis.com/v1beta1/projects/${PROJECT_ID}/locations/${REGION}/repositories/${DATAFORM_REPOSITORY}/releaseConfigs/${environment}?updateMask=gitCommitish" \
  -H "Authorization: Bearer $(gcloud auth print-access-token)" \
  -H "Content-Type: application/json" \
  -d "{\"gitCommitish\":\"${sha}\"}" >/dev/null

echo "==> smoke test /health"
url="$(gcloud run services describe "$SERVICE" --project "$PROJECT_ID" --region "$REGION" --format 'value(status.url)')"
token="$(gcloud auth print-identity-token)"
for attempt in 1 2 3 4 5; do
  if body="$(curl -fsS -H "Authorization: Bearer ${token}" "${url}/health")" && [[ "$body" == *'"status":"ok"'* ]]; then
    echo "$body"
    echo "deployed ${sha} to ${environment}"
    exit 0
  fi
  echo "attempt ${attempt}: not healthy yet" >&2
  sleep 10
done
echo "smoke test failed: ${url}/health" >&2
exit 1
