// Cloud Run service entry: GET /health and POST /run-daily-job for manual runs and checks (the scheduled run is
// the Cloud Run job, job.ts).
import { createLogger } from "../loaders/core/log.ts";
import { dailyRunDeps, startupConfig } from "./deps.ts";
import { createServer, exitOnSigterm } from "./server.ts";

const log = createLogger();
const { s, config } = startupConfig(process.env, log);

const service = createServer({ ...dailyRunDeps(s, config, log), environment: s.ENVIRONMENT, project: s.GOOGLE_CLOUD_PROJECT });

service.server.listen(s.PORT, () => log.info({ event: "listening", port: s.PORT, environment: s.ENVIRONMENT }, `listening on :${s.PORT}`));

exitOnSigterm(service, s.SHUTDOWN_GRACE_SECONDS * 1000, log);
