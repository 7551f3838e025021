// npm run verify: prints what loaders/verify.ts found, one line per object; exit 1 when anything is wrong.
import { duckdbToRead, type Config } from "../loaders/index.ts";
import { datasetNames } from "../loaders/core/config.ts";
import { verifyLake as check, VERIFY_ADVICE } from "../loaders/verify.ts";

export async function verifyLake(config: Config): Promise<number> {
  if (config.warehouse.kind === "duckdb") duckdbToRead(config, "npm run verify");
  const report = await check(config);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`Lake ${report.lakeUri}: ${report.manifests} manifests, ${report.checked} objects checked (size and SHA-256) against them and against the raw tables in ${datasetNames(config.dataset).raw}`);
  if (report.legacyManifests) out(`${report.legacyManifests} manifests predate object hashes: their objects were checked for loading only`);
  for (const f of report.findings) out(`${f.kind.padEnd(10)} ${f.key}: ${f.detail}`);
  if (report.findings.length) out(VERIFY_ADVICE);
  const counts = (["missing", "corrupted", "unloaded", "unrecorded"] as const).map((k) => `${report.findings.filter((f) => f.kind === k).length} ${k}`).join(", ");
  out(`${report.findings.length ? "FAILED" : "OK"}: ${counts}`);
  return report.findings.length ? 1 : 0;
}
