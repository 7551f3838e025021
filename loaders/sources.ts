// The configured sources and their streams. The only file that knows all three source folders.
import { anthropicStreams } from "./anthropic/index.ts";
import type { Config } from "./core/config.ts";
import type { Logger } from "./core/log.ts";
import type { StreamDef } from "./core/stream.ts";
import { cursorStreams } from "./cursor/index.ts";
import { mappingStreams } from "./mapping/index.ts";

/** Every stream name, configured or not, for option checking and docs. */
export const ALL_STREAMS: Record<string, string[]> = {
  cursor: ["members", "daily_usage", "usage_events", "spend"],
  anthropic: ["usage_messages", "cost_report", "claude_code", "api_keys", "workspaces", "users"],
  mapping: ["people", "api_key_owners", "budgets", "seats"],
};

export function configuredStreams(config: Config, log: Logger): StreamDef[] {
  const timeScale = config.timeScale;
  return [
    ...(config.cursor ? cursorStreams({ ...config.cursor, log, timeScale }) : []),
    ...(config.anthropic ? anthropicStreams({ ...config.anthropic, log, timeScale }) : []),
    ...(config.mapping ? mappingStreams({ ...config.mapping, log, timeScale, maxShrinkPercent: config.mappingMaxShrinkPercent }) : []),
  ];
}
