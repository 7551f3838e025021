#!/usr/bin/env bash
# A release, by hand or from .github/workflows/deploy.yml (which runs this script), in an order that never leaves
# the image and the SQL apart: (1) publish the Dataform project of this commit to dataform/<environment>,
# (2) build and push the image, which carries both commits, (3) compile the release config and release that
# compilation (stops here on a compilation error: the old image and SQL stay), (4) roll the Cloud Run job and service
# to the image, (5) check the new revision is serving and the job runs the image.
# Usage: scripts/deploy.sh <development|staging|production>
# Reads names from `terraform -chdir=infra output` (the workspace initialised for that environment) unless
# PROJECT_ID, REGION, SERVICE, JOB, IMAGE_REPOSITORY and DATAFORM_REPOSITORY are already set.
# Needs gcloud (as someone with the deployer's rights, docs/deploy.md), git push rights, node, and docker or Cloud Build.
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
  command -v terraform >/dev/null || { echo "set PROJECT_ID, REGION, SERVICE, JOB, IMAGE_REPOSITORY, DATAFORM_REPOSITORY or install terraform" >&2; exit 2; }
  SERVICE="$(tf_output service_name)"
  JOB="$(tf_output job_name)"
  IMAGE_REPOSITORY="$(tf_output image_repository)"
  DATAFORM_REPOSITORY="$(tf_output dataform_repository | sed 's#.*/repositories/##')"
  PROJECT_ID="$(echo "$IMAGE_REPOSITORY" | cut -d/ -f2)"
  REGION="$(echo "$IMAGE_REPOSITORY" | cut -d/ -f1 | sed 's/-docker.pkg.dev//')"
fi
: "${PROJECT_ID:?}" "${REGION:?}" "${SERVICE:?}" "${JOB:?}" "${IMAGE_REPOSITORY:?}" "${DATAFORM_REPOSITORY:?}"
export PROJECT_ID REGION DATAFORM_REPOSITORY

if [[ -n "$(git status --porcelain)" ]]; then
  echo "the work tree has uncommitted changes; deploy a commit" >&2
  exit 1
fi
sha="$(git rev-parse HEAD)"
image="${IMAGE_REPOSITORY}/service:${sha}"

echo "==> 1. publish the Dataform project of ${sha} to dataform/${environment}"
dataform_commit="$(scripts/publish-dataform.sh "$sha" origin "$environment")"
echo "    Dataform commit ${dataform_commit}"

echo "==> 2. build and push ${image}"
build_args=(--build-arg "RELEASE_COMMIT=${sha}" --build-arg "DATAFORM_COMMIT=${dataform_commit}")
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet
  docker build "${build_args[@]}" --tag "$image" .
  docker push "$image"
else
  gcloud builds submit --project "$PROJECT_ID" --region "$REGION" --tag "$image" . # Cloud Build: no build args
  echo "WARNING: built without DATAFORM_COMMIT (Cloud Build --tag takes no build args); the commit check is off" >&2
fi

echo "==> 3. release the compilation of ${dataform_commit} as ${environment}"
scripts/release-dataform.sh "$environment" "$dataform_commit"

echo "==> 4. roll the job ${JOB} and the service ${SERVICE} to the image"
gcloud run jobs update "$JOB" --project "$PROJECT_ID" --region "$REGION" --image "$image" --quiet
gcloud run services update "$SERVICE" --project "$PROJECT_ID" --region "$REGION" --image "$image" --quiet

echo "==> 5. check: the service's new revision serves (its startup probe answered /health), the job runs the image"
ready="$(gcloud run services describe "$SERVICE" --project "$PROJECT_ID" --region "$REGION" \
  --format 'value(status.latestReadyRevisionName,status.latestCreatedRevisionName)')"
read -r latest_ready latest_created <<<"$ready"
[[ -n "$latest_ready" && "$latest_ready" == "$latest_created" ]] || { echo "revision ${latest_created} is not ready (ready: ${latest_ready})" >&2; exit 1; }
job_image="$(gcloud run jobs describe "$JOB" --project "$PROJECT_ID" --region "$REGION" --format 'value(template.template.containers[0].image)')"
[[ "$job_image" == "$image" ]] || { echo "job ${JOB} runs ${job_image}, expected ${image}" >&2; exit 1; }
echo "deployed ${sha} (Dataform ${dataform_commit}) to ${environment}: revision ${latest_ready}"
