#!/usr/bin/env bash
# Releases the published Dataform commit of an environment: compiles its release config (which follows the branch
# dataform/<environment>), stops on compilation errors or on a commit other than the one expected, and makes the
# compilation the release config's released result, so the console's "daily" workflow config runs exactly it.
# Run before the new image is rolled out: a failure leaves the old image and its SQL in place.
# Usage: scripts/release-dataform.sh <environment> <expected Dataform commit>
# Needs PROJECT_ID, REGION, DATAFORM_REPOSITORY; a token from gcloud (or ACCESS_TOKEN); DATAFORM_API_ROOT for tests.
set -euo pipefail

environment="${1:?usage: $0 <environment> <expected Dataform commit>}"
expected="${2:?usage: $0 <environment> <expected Dataform commit>}"
: "${PROJECT_ID:?}" "${REGION:?}" "${DATAFORM_REPOSITORY:?}"
token="${ACCESS_TOKEN:-$(gcloud auth print-access-token)}"
api="${DATAFORM_API_ROOT:-https://dataform.googleapis.com}/v1"
parent="projects/${PROJECT_ID}/locations/${REGION}/repositories/${DATAFORM_REPOSITORY}"
release="${parent}/releaseConfigs/${environment}"

call() { curl -fsS -X "$1" "${api}/$2" -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" -d "$3"; }

compilation="$(call POST "${parent}/compilationResults" "{\"releaseConfig\":\"${release}\"}")"
name="$(EXPECTED="$expected" node -e '
  const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const e of c.compilationErrors ?? []) console.error(`compilation error: ${e.path ?? ""} ${e.message}`);
  if (c.compilationErrors?.length) process.exit(1);
  if (c.resolvedGitCommitSha !== process.env.EXPECTED) {
    console.error(`the release config compiled ${c.resolvedGitCommitSha}, expected ${process.env.EXPECTED}`);
    process.exit(1);
  }
  process.stdout.write(c.name);
' <<<"$compilation")"
call PATCH "${release}?updateMask=releaseCompilationResult" "{\"releaseCompilationResult\":\"${name}\"}" >/dev/null
echo "released ${name} (Dataform commit ${expected}) as ${environment}"
