// Structured JSON logs that Cloud Logging understands (severity, message, time); secrets redacted on the way out.
import { pino, type Logger } from "pino";
import { redact } from "./redact.ts";

export type { Logger };

const SEVERITY: Record<string, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? "info",
  destination: { write(line: string): void } = process.stdout,
): Logger {
  return pino(
    {
      level: level.toLowerCase().replace("warning", "warn"),
      messageKey: "message",
      base: null,
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? "DEFAULT" }) },
      hooks: { streamWrite: redact },
    },
    destination,
  );
}

/** A logger that writes nothing: for library use where the caller did not pass one. */
export const silentLogger: Logger = pino({ level: "silent" });
