// The permission matrix of docs/deploy.md against the Terraform (HCL parsed) and the code: every call has its grant,
// every grant and custom-role permission serves a call, every call the code makes is in the matrix.
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { IAM_TYPES, infraDir, loadTerraform, members, resourcesOf, type Terraform } from "./terraform.ts";

const root = `${infraDir}../`;
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

interface Row {
  call: string;
  madeBy: string;
  principal: string;
  permissions: string[];
  role: string;
  grant: string;
}

/** The table of "## 6. Permission matrix". */
function matrix(): Row[] {
  const lines = read("docs/deploy.md").split("\n");
  const header = lines.findIndex((l) => l.startsWith("| call | made by | principal | permissions | role | grant |"));
  if (header === -1) throw new Error("docs/deploy.md has no permission matrix table");
  const body = lines.slice(header + 2);
  return body.slice(0, body.findIndex((l) => !l.startsWith("|"))).map((line) => {
    const [call, madeBy, principal, permissions, role, grant] = line.split("|").slice(1, -1).map((c) => c.trim()) as [string, string, string, string, string, string];
    return { call, madeBy, principal, permissions: permissions.split(",").map((p) => p.trim()), role, grant: grant.replace(/`/g, "") };
  });
}

const PRINCIPALS: Record<string, string> = {
  pipeline: "serviceAccount:${google_service_account.pipeline.email}",
  scheduler: "serviceAccount:${google_service_account.scheduler.email}",
  dataform: "serviceAccount:${google_service_account.dataform.email}",
  deployer: "serviceAccount:${google_service_account.deployer.email}",
  "dataform-agent": "serviceAccount:${google_project_service_identity.dataform_agent.email}",
  "github-deploy": "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.environment/${var.environment}",
};

/**
 * The permissions of the predefined roles the stack grants, as Google's IAM roles reference lists them
 * (cloud.google.com/iam/docs/roles-permissions), limited to the services involved. A role missing here fails the test.
 */
const PREDEFINED: Record<string, string[]> = {
  "roles/storage.objectCreator": ["storage.objects.create", "storage.multipartUploads.create", "storage.multipartUploads.abort", "storage.multipartUploads.listParts"],
  "roles/storage.objectViewer": ["storage.objects.get", "storage.objects.list", "storage.folders.get", "storage.folders.list", "storage.managedFolders.get", "storage.managedFolders.list"],
  "roles/storage.objectUser": ["storage.objects.create", "storage.objects.delete", "storage.objects.get", "storage.objects.list", "storage.objects.restore", "storage.objects.update", "storage.multipartUploads.create", "storage.multipartUploads.abort"],
  "roles/bigquery.jobUser": ["bigquery.jobs.create"],
  "roles/bigquery.dataViewer": ["bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.list", "bigquery.datasets.get"],
  "roles/bigquery.dataEditor": ["bigquery.tables.create", "bigquery.tables.delete", "bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.list", "bigquery.tables.update", "bigquery.tables.updateData", "bigquery.datasets.get"],
  "roles/secretmanager.secretAccessor": ["secretmanager.versions.access"],
  "roles/run.invoker": ["run.jobs.run", "run.routes.invoke"],
  "roles/iam.serviceAccountUser": ["iam.serviceAccounts.actAs", "iam.serviceAccounts.get", "iam.serviceAccounts.list"],
  "roles/iam.serviceAccountTokenCreator": ["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.getOpenIdToken", "iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt"],
  "roles/iam.workloadIdentityUser": ["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.getOpenIdToken"],
  "roles/artifactregistry.writer": ["artifactregistry.repositories.uploadArtifacts", "artifactregistry.repositories.downloadArtifacts", "artifactregistry.tags.create", "artifactregistry.tags.update"],
};

let tf: Terraform;
let rows: Row[];
beforeAll(async () => {
  tf = await loadTerraform();
  rows = matrix();
});

const customRole = (role: string) => (role.startsWith("custom:") ? tf.resource.google_project_iam_custom_role?.[role.slice(7)] : undefined);
const roleRef = (role: string) => (role.startsWith("custom:") ? `\${google_project_iam_custom_role.${role.slice(7)}.id}` : role);
const permissionsOf = (role: string): string[] | undefined => (customRole(role)?.permissions as string[] | undefined) ?? PREDEFINED[role];
const grants = () => resourcesOf(tf, ...IAM_TYPES);

describe("permission matrix (docs/deploy.md) against the Terraform", () => {
  it("has a row for every kind of call: GCS, BigQuery, Secret Manager, Dataform, Scheduler, Cloud Run, release", () => {
    expect(rows.length).toBeGreaterThan(25);
    for (const word of ["lake object", "run lock", "BigQuery jobs", "vendor keys", "compile the release config", "start the workflow", "cancel", "start the daily job", "roll the service", "release the compilation"]) {
      expect(rows.some((r) => r.call.includes(word)), word).toBe(true);
    }
  });

  it("every call has a grant to its principal, of its role, and the role holds its permissions", () => {
    for (const r of rows) {
      const where = `${r.call} (${r.grant})`;
      const [type, name] = r.grant.split(".") as [string, string];
      const grant = tf.resource[type]?.[name];
      expect(grant, `${where}: no such Terraform resource`).toBeDefined();
      expect(PRINCIPALS[r.principal], `${where}: unknown principal ${r.principal}`).toBeDefined();
      expect(members(grant!), where).toContain(PRINCIPALS[r.principal]);
      expect(grant!.role, where).toBe(roleRef(r.role));
      const held = permissionsOf(r.role);
      expect(held, `${where}: role ${r.role} unknown`).toBeDefined();
      for (const p of r.permissions) expect(held, `${where}: ${r.role} lacks ${p}`).toContain(p);
    }
  });

  it("no principal holds a role the matrix does not need", () => {
    const used = new Set(rows.map((r) => r.grant));
    const unneeded = grants().map(([address]) => address).filter((a) => !used.has(a));
    expect(unneeded, "grants no call in the matrix needs").toEqual([]);
    const projectWide = resourcesOf(tf, "google_project_iam_member", "google_project_iam_binding").map(([, b]) => String(b.role));
    expect(projectWide.sort(), "project-level roles: only BigQuery job creation, which has no narrower scope").toEqual(["roles/bigquery.jobUser", "roles/bigquery.jobUser"]);
  });

  it("every permission of a custom role is needed by a call", () => {
    for (const [name, role] of Object.entries(tf.resource.google_project_iam_custom_role ?? {})) {
      const needed = new Set(rows.filter((r) => r.role === `custom:${name}`).flatMap((r) => r.permissions));
      expect((role.permissions as string[]).filter((p) => !needed.has(p)), `custom:${name}`).toEqual([]);
    }
  });

  it("keeps the lake immutable for the pipeline: it may create and read, never delete or overwrite", () => {
    const onLake = grants().filter(([, b]) => b.bucket === "${google_storage_bucket.lake.name}");
    expect(onLake.length).toBeGreaterThan(0);
    for (const [address, b] of onLake) {
      const held = PREDEFINED[String(b.role)] ?? [];
      expect(held, address).not.toContain("storage.objects.delete");
      expect(held, address).not.toContain("storage.objects.update");
    }
  });
});

describe("permission matrix against the code and the workflows", () => {
  it("lists every Dataform API call the service and the release script make", () => {
    const calls = new Set([...read("service/dataform.ts").matchAll(/"((?:compilationResults|workflowInvocations|releaseConfigs)\.\w+)"/g)].map((m) => m[1]!));
    expect(calls.size).toBeGreaterThanOrEqual(7);
    const release = read("scripts/release-dataform.sh");
    if (release.includes("/compilationResults")) calls.add("compilationResults.create");
    if (/call PATCH "\$\{release\}/.test(release)) calls.add("releaseConfigs.patch");
    const madeBy = rows.map((r) => r.madeBy).join("\n");
    for (const call of calls) expect(madeBy, call).toContain(call);
    // The invoker may compile, invoke, follow and cancel; never edit configs or workspaces.
    const invoker = tf.resource.google_project_iam_custom_role!.dataform_invoker!.permissions as string[];
    expect(invoker.filter((p) => /\.(update|delete)$|workspaces|workflowConfigs\./.test(p))).toEqual([]);
  });

  it("lists every gcloud call of the release and every Google API the loaders and the service use", () => {
    const deploy = read("scripts/deploy.sh");
    const gcloud = new Set([...deploy.matchAll(/gcloud (run (?:jobs|services) (?:update|describe))/g)].map((m) => `gcloud ${m[1]}`));
    expect(gcloud.size).toBe(4);
    const madeBy = rows.map((r) => r.madeBy).join("\n");
    for (const call of gcloud) expect(madeBy, call).toContain(call);
    for (const file of ["loaders/core/lake.ts", "loaders/core/warehouse-bigquery.ts", "service/lock.ts", "service/run-records.ts", "service/secrets.ts", "service/cost-check.ts"]) {
      expect(madeBy, file).toContain(file);
    }
  });
});
