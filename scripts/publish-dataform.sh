#!/usr/bin/env bash
# Publishes the Dataform project of a commit as GCP's Dataform should compile it: a commit holding only definitions/,
# includes/ and workflow_settings.yaml with dataformCoreVersion (the @dataform/core version of package.json), and no
# package.json, so GCP's compile installs @dataform/core and nothing else (docs/deploy.md, "What GCP's compile
# installs"). The commit is deterministic (fixed author, the source commit's date, no parent): the same source commit
# always gives the same sha, which the image carries as DATAFORM_COMMIT.
# Usage: scripts/publish-dataform.sh <source commit>                      prints the published commit's sha
#        scripts/publish-dataform.sh <source commit> <remote> <environment>   and force-pushes it to dataform/<environment>
set -euo pipefail

src="$(git rev-parse --verify "${1:?usage: $0 <source commit> [<remote> <environment>]}^{commit}")"
core="$(git show "$src:package.json" | node -e 'const p = JSON.parse(require("fs").readFileSync(0, "utf8")); process.stdout.write(p.dependencies["@dataform/core"])')"
[[ "$core" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "package.json must pin @dataform/core exactly, found '$core'" >&2; exit 1; }
if git show "$src:workflow_settings.yaml" | grep -q '^dataformCoreVersion:'; then
  echo "workflow_settings.yaml already sets dataformCoreVersion; the repository compiles in package.json mode" >&2
  exit 1
fi

settings="$( {
  printf '# Published by scripts/publish-dataform.sh from %s: @dataform/core is the only package.\n' "$src"
  printf 'dataformCoreVersion: %s\n' "$core"
  git show "$src:workflow_settings.yaml"
} | git hash-object -w --stdin)"
tree="$(printf '040000 tree %s\tdefinitions\n040000 tree %s\tincludes\n100644 blob %s\tworkflow_settings.yaml\n' \
  "$(git rev-parse "$src:definitions")" "$(git rev-parse "$src:includes")" "$settings" | git mktree)"
date="$(git show -s --format=%cI "$src")"
commit="$(GIT_AUTHOR_NAME="ai-usage-analytics release" GIT_AUTHOR_EMAIL="release@ai-usage-analytics.invalid" GIT_AUTHOR_DATE="$date" \
  GIT_COMMITTER_NAME="ai-usage-analytics release" GIT_COMMITTER_EMAIL="release@ai-usage-analytics.invalid" GIT_COMMITTER_DATE="$date" \
  git commit-tree "$tree" -m "Dataform project of $src")"

if [[ $# -ge 3 ]]; then
  git push --force --quiet "$2" "$commit:refs/heads/dataform/$3" >&2
fi
echo "$commit"
