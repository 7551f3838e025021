#!/usr/bin/env bash
# Reproduces the Dockerfile's runtime stage without Docker: compile as the build stage does, install production
# dependencies only into a clean folder (as the deps stage), start the service from there and GET /health.
# Fails if the service needs a devDependency or a local-only package at run time, or does not come up. Usage: scripts/verify-image-runtime.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
grep -q 'CMD \["node", "--enable-source-maps", "dist/service/main.js"\]' Dockerfile || {
  echo "Dockerfile CMD changed: update scripts/verify-image-runtime.sh to match" >&2
  exit 1
}

echo "build stage: copy what the Dockerfile's build stage copies, tsc"
# Sources of the COPY lines between "AS build" and the next FROM (the last word of each line is the destination).
sources="$(awk '/^FROM .* AS build$/{b=1; next} /^FROM /{b=0} b && /^COPY / && !/--from/{for (i = 2; i < NF; i++) print $i}' Dockerfile)"
[[ -n "$sources" ]] || { echo "no COPY lines found in the Dockerfile's build stage" >&2; exit 1; }
mkdir -p "$work/build"
for src in $sources; do cp -R "$src" "$work/build/"; done
ln -s "$root/node_modules" "$work/build/node_modules" # the build stage's full npm ci
(cd "$work/build" && "$root/node_modules/.bin/tsc" -p service/tsconfig.build.json --outDir "$work/dist")

echo "deps stage: npm ci --omit=dev"
cp package.json package-lock.json "$work/"
npm_flags=(--omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error)
if ! (cd "$work" && npm ci "${npm_flags[@]}" 2>"$work/npm-ci.err"); then
  # A lock file missing other platforms' optional packages (a registry mirror without them) fails npm ci's sync check;
  # install from the same lock file instead so the runtime check still runs, and say so loudly.
  echo "WARNING: npm ci --omit=dev failed; the Docker build will fail the same way until package-lock.json is fixed:" >&2
  grep -m3 'npm error' "$work/npm-ci.err" >&2 || true
  (cd "$work" && npm install --no-save "${npm_flags[@]}")
fi
# The deps stage then removes what only the local tools use (ARG LOCAL_ONLY in the Dockerfile).
local_only="$(sed -n 's/^ARG LOCAL_ONLY="\(.*\)"$/\1/p' Dockerfile)"
[[ -n "$local_only" ]] || { echo "no ARG LOCAL_ONLY in the Dockerfile's deps stage" >&2; exit 1; }
# shellcheck disable=SC2086 # a list of package names
(cd "$work" && npm uninstall --no-save "${npm_flags[@]}" $local_only)
for dev in tsx vitest typescript @dataform/cli $local_only; do
  if [[ -e "$work/node_modules/$dev" ]]; then echo "$dev present in the runtime install" >&2; exit 1; fi
done
echo "runtime install: $(du -sm "$work/node_modules" | cut -f1) MB without ${local_only}"
for entry in main job; do
  [[ -f "$work/dist/service/$entry.js" ]] || { echo "dist/service/$entry.js was not built" >&2; exit 1; }
done

echo "runtime stage: node dist/service/main.js"
port="$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')"
(cd "$work" && NODE_ENV=production PORT="$port" ENVIRONMENT=development LOG_LEVEL=info \
  exec node --enable-source-maps dist/service/main.js >"$work/service.log" 2>&1) &
pid=$!

for _ in $(seq 1 100); do
  if body="$(curl -fsS "http://127.0.0.1:$port/health" 2>/dev/null)"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "service exited:" >&2; cat "$work/service.log" >&2; exit 1; fi
  sleep 0.2
done
echo "GET /health -> ${body:-<no answer>}"
[[ "${body:-}" == *'"status":"ok"'* ]] || { cat "$work/service.log" >&2; exit 1; }

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[[ $status -eq 0 ]] || { echo "service exited $status on SIGTERM" >&2; cat "$work/service.log" >&2; exit 1; }
echo "OK: runtime stage starts with production dependencies only, answers /health and stops on SIGTERM"
