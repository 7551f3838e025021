// Loads infra/*.tf through an HCL parser into one JSON document (hcl2json shape: blocks are arrays).
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";

export const infraDir = fileURLToPath(new URL("../../infra/", import.meta.url));

type Block = Record<string, unknown>;
export interface Terraform {
  files: Record<string, string>;
  resource: Record<string, Record<string, Block>>;
  variable: Record<string, Block>;
  output: Record<string, Block>;
  locals: Block;
  terraform: Block[];
  provider: Record<string, Block[]>;
}

export async function loadTerraform(): Promise<Terraform> {
  const tf: Terraform = { files: {}, resource: {}, variable: {}, output: {}, locals: {}, terraform: [], provider: {} };
  for (const file of readdirSync(infraDir).filter((f) => f.endsWith(".tf")).sort()) {
    const text = readFileSync(`${infraDir}${file}`, "utf8");
    tf.files[file] = text;
    const doc = (await parse(file, text)) as Record<string, unknown>;
    for (const [type, byName] of Object.entries((doc.resource ?? {}) as Record<string, Record<string, Block[]>>)) {
      for (const [name, [block]] of Object.entries(byName)) {
        tf.resource[type] ??= {};
        if (tf.resource[type][name]) throw new Error(`duplicate resource ${type}.${name}`);
        tf.resource[type][name] = block!;
      }
    }
    for (const [name, [block]] of Object.entries((doc.variable ?? {}) as Record<string, Block[]>)) tf.variable[name] = block!;
    for (const [name, [block]] of Object.entries((doc.output ?? {}) as Record<string, Block[]>)) tf.output[name] = block!;
    for (const block of (doc.locals ?? []) as Block[]) Object.assign(tf.locals, block);
    tf.terraform.push(...((doc.terraform ?? []) as Block[]));
    for (const [name, blocks] of Object.entries((doc.provider ?? {}) as Record<string, Block[]>)) tf.provider[name] = blocks;
  }
  return tf;
}

/** Every resource of the given types, as [address, block]. */
export function resourcesOf(tf: Terraform, ...types: string[]): [string, Block][] {
  return types.flatMap((type) => Object.entries(tf.resource[type] ?? {}).map(([name, block]) => [`${type}.${name}`, block] as [string, Block]));
}

/** Walks every value in a resource block. */
export function* walk(value: unknown, path = ""): Generator<[string, unknown]> {
  yield [path, value];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walk(v, `${path}[${i}]`);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) yield* walk(v, path ? `${path}.${k}` : k);
}

/** Every IAM grant resource type the stack may use (member and binding forms). */
export const IAM_TYPES = [
  "google_project_iam_member",
  "google_project_iam_binding",
  "google_service_account_iam_member",
  "google_storage_bucket_iam_member",
  "google_bigquery_dataset_iam_member",
  "google_secret_manager_secret_iam_member",
  "google_secret_manager_secret_iam_binding",
  "google_cloud_run_v2_service_iam_member",
  "google_cloud_run_v2_service_iam_binding",
  "google_cloud_run_service_iam_member",
  "google_cloud_run_v2_job_iam_member",
  "google_artifact_registry_repository_iam_member",
  "google_dataform_repository_iam_member",
];

/** The principals of one grant block (member or members). */
export const members = (b: Block): string[] => [b.member, ...((b.members as string[]) ?? [])].filter((m): m is string => typeof m === "string");
