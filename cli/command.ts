// Argument handling for every command (start, load, verify, models, report, simulator, bench), with commander: each
// answers --help (exit 0); a bad or conflicting flag prints the error, the usage line and the way to the full help
// (exit 2); a configuration error names the variable and the fix (exit 2); other failures are one sentence (exit 1).
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../loaders/core/config.ts";
import { isDay } from "../loaders/core/days.ts";
import { redact } from "../loaders/core/redact.ts";
import { OptionsError } from "../loaders/load.ts";

export { Command, Option };

/** A flag problem found after parsing (a conflict, a bad combination): reported like commander's own, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A command named as the user types it, e.g. "npm run load --". */
export function newCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .helpOption("-h, --help", "show this help")
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
}

/** After the options are declared: every error ends with the command's usage line and where the full help is. */
export function withUsageOnError(command: Command): Command {
  for (const c of [command, ...command.commands]) {
    const name = c.parent ? `${c.parent.name()} ${c.name()}` : c.name();
    c.showHelpAfterError(`Usage: ${name} ${c.usage()}\nRun \`${name} --help\` for every option.`);
  }
  return command;
}

/** A parser for --flag N: a whole number within [min, max], else commander's error with this reason. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}.`);
    }
    return Number(value);
  };
}

/** A parser for --flag X: a positive number (fractions allowed). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(value.trim() !== "" && Number.isFinite(n) && n > 0)) throw new InvalidArgumentError("expected a positive number.");
  return n;
}

/** A parser for --flag YYYY-MM-DD: a real calendar day. */
export function day(value: string): string {
  if (!isDay(value)) throw new InvalidArgumentError("expected a real date YYYY-MM-DD.");
  return value;
}

/** A comma-separated list. */
export const list = (value: string): string[] => value.split(",").map((s) => s.trim()).filter(Boolean);

/**
 * Runs `action` for the parsed command; its number is the exit code. A UsageError or the loaders' OptionsError
 * thrown by it is reported on the command that was run, with its usage line.
 */
export function onRun<A extends unknown[]>(command: Command, action: (...args: A) => Promise<number>, result: { code: number }): Command {
  return command.action(async (...args: unknown[]) => {
    try {
      result.code = await action(...(args as A));
    } catch (error) {
      if (error instanceof UsageError || error instanceof OptionsError) command.error(`error: ${error.message}`, { exitCode: 2, code: "usage" });
      throw error;
    }
  });
}

/** Parses argv (without node and the script) and runs the command; returns the exit code, printing any error. */
export async function runCommand(program: Command, argv: string[], result: { code: number }): Promise<number> {
  try {
    await program.parseAsync(argv, { from: "user" });
    return result.code;
  } catch (error) {
    return reportError(error);
  }
}

export function reportError(error: unknown): number {
  if (error instanceof CommanderError) return ["commander.helpDisplayed", "commander.version"].includes(error.code) ? 0 : 2;
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
    return 2;
  }
  // One sentence; the stack only when asked for (LOG_LEVEL=debug or DEBUG=true).
  const e = error instanceof Error ? error : new Error(String(error));
  const debug = /^debug$/i.test(process.env.LOG_LEVEL ?? "") || /^(1|true|yes)$/i.test(process.env.DEBUG ?? "");
  process.stderr.write(`${redact(debug ? (e.stack ?? e.message) : `error: ${e.message}`)}\n`);
  return 1;
}
