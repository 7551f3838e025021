// The loaders' public interface, used by the CLI and the Cloud Run service.
export { loadConfig, ConfigError, hasNoSources, type Config } from "./core/config.ts";
export { createLogger, type Logger } from "./core/log.ts";
export { redact, registerSecret } from "./core/redact.ts";
export { runLoad, resolveRange, emptyDaysNote, OptionsError, MODES, type LoadOptions, type Mode, type RunSummary, type StreamResult, type ProgressEvent } from "./load.ts";
export { ALL_STREAMS } from "./sources.ts";
