// Every secret the process knows is registered here once; every log line and error message passes through redact().
const secrets = new Set<string>();

export function registerSecret(secret: string): void {
  if (secret.length < 6) return; // too short to match safely; keys are far longer
  secrets.add(secret);
  // Cursor's Basic auth header carries base64("<key>:"), which must not leak either.
  secrets.add(Buffer.from(`${secret}:`).toString("base64"));
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("[REDACTED]");
  return out;
}
