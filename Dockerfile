# syntax=docker/dockerfile:1
# Cloud Run image for the daily job service. Three stages: compile TypeScript to JS (no tsx at run time),
# install production dependencies only, and a runtime stage that copies just those two, runs as a non-root user.
# scripts/verify-image-runtime.sh reproduces the runtime stage without Docker; keep the two in step.
ARG NODE_IMAGE=node:24-bookworm-slim

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
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=8080
WORKDIR /app
# Root-owned and read-only for the runtime user: the service writes nothing locally in GCP (lake and warehouse are remote).
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
CMD ["node", "--enable-source-maps", "dist/service/main.js"]
