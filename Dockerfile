# syntax=docker/dockerfile:1
# Cloud Run image of the daily job: the service (dist/service/main.js) and the job (dist/service/job.js). Three stages: compile TypeScript to JS (no tsx at run time),
# install production dependencies only, and a runtime stage that copies just those two, runs as a non-root user.
# scripts/verify-image-runtime.sh reproduces the runtime stage without Docker; keep the two in step.
# Node 24 LTS (CI tests it too), pinned by digest (24.18.0) so every build starts from the same bytes; bump both together.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY loaders ./loaders
COPY simulator ./simulator
COPY service ./service
RUN npx tsc -p service/tsconfig.build.json

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies from the lock file, less those only the local tools use (the DuckDB warehouse, the report's
# charts, the Dataform compiler): the service and the job in GCP write to BigQuery and run Dataform remotely.
ARG LOCAL_ONLY="@duckdb/node-api echarts @dataform/core"
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm uninstall --no-save --omit=dev --ignore-scripts --no-audit --no-fund ${LOCAL_ONLY} \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# The source commit and its published Dataform commit (scripts/deploy.sh); the run refuses to run other SQL.
ARG RELEASE_COMMIT=""
ARG DATAFORM_COMMIT=""
ENV NODE_ENV=production PORT=8080 RELEASE_COMMIT=${RELEASE_COMMIT} DATAFORM_COMMIT=${DATAFORM_COMMIT}
WORKDIR /app
# Root-owned and read-only for the runtime user: the service writes nothing locally in GCP (lake and warehouse are remote).
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
CMD ["node", "--enable-source-maps", "dist/service/main.js"]
