// The loaders' public interface, used by the CLI and the Cloud Run service.
export { loadConfig, configFromEnvironment, duckdbToRead, datasetNames, ConfigError, hasNoSources, ENVIRONMENTS, type Config } from "./core/config.ts";
export { createLogger, type Logger } from "./core/log.ts";
export { redact, registerSecret } from "./core/redact.ts";
export { runLoad, resolveRange, emptyDaysNote, OptionsError, MODES, MAX_DAYS, type LoadOptions, type Mode, type RunSummary, type StreamResult, type ProgressEvent } from "./load.ts";
export { ALL_STREAMS } from "./sources.ts";
