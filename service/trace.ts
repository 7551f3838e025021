// Cloud Logging trace correlation: X-Cloud-Trace-Context "TRACE/SPAN;o=1" or W3C traceparent "00-TRACE-SPAN-01".
export function traceFields(headers: Record<string, string | string[] | undefined>, project: string | undefined): Record<string, string> {
  if (!project) return {};
  const cloud = one(headers["x-cloud-trace-context"])?.match(/^([0-9a-f]{32})(?:\/(\d+))?/i);
  const w3c = one(headers["traceparent"])?.match(/^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-/i);
  const trace = cloud?.[1] ?? w3c?.[1];
  if (!trace) return {};
  const fields: Record<string, string> = { "logging.googleapis.com/trace": `projects/${project}/traces/${trace}` };
  const span = cloud ? cloud[2] && BigInt(cloud[2]).toString(16).padStart(16, "0") : w3c?.[2];
  if (span) fields["logging.googleapis.com/spanId"] = span;
  return fields;
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
