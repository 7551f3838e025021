import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { IAM_TYPES, loadTerraform, members, resourcesOf, walk, infraDir, type Terraform } from "./terraform.ts";
import { SECRET_NAMES } from "../../service/secret-names.ts";

let tf: Terraform;
beforeAll(async () => {
  tf = await loadTerraform();
});


describe("Terraform security properties (parsed with an HCL parser)", () => {
  it("parses every file and finds the expected resources", () => {
    expect(Object.keys(tf.files).length).toBeGreaterThanOrEqual(10);
    for (const type of ["google_cloud_run_v2_service", "google_cloud_scheduler_job", "google_storage_bucket", "google_dataform_repository", "google_artifact_registry_repository"]) {
      expect(tf.resource[type], type).toBeDefined();
    }
  });

  it("grants nothing to allUsers or allAuthenticatedUsers anywhere", () => {
    for (const [address, block] of Object.entries(tf.resource).flatMap(([t, r]) => Object.entries(r).map(([n, b]) => [`${t}.${n}`, b] as const))) {
      for (const [path, value] of walk(block)) {
        expect(typeof value === "string" && /allUsers|allAuthenticatedUsers/.test(value), `${address}.${path}`).toBe(false);
      }
    }
    expect(Object.keys(tf.resource)).not.toContain("google_cloud_run_v2_service_iam_policy");
  });

  it("grants roles only to this stack's service accounts, the Dataform agent and this repository's GitHub principal set", () => {
    const granted = resourcesOf(tf, ...IAM_TYPES).flatMap(([, b]) => members(b));
    expect(granted.length).toBeGreaterThan(10);
    for (const m of granted) {
      expect(m).toMatch(/^serviceAccount:\$\{(google_service_account\.[a-z_]+|google_project_service_identity\.dataform_agent)\.email\}$|^principalSet:\/\/iam\.googleapis\.com\/\$\{google_iam_workload_identity_pool\.github\.name\}\/attribute\.environment\/\$\{var\.environment\}$/);
    }
  });

  it("uses no primitive role and no *.admin role", () => {
    const roles = Object.values(tf.resource).flatMap((r) => Object.values(r)).flatMap((b) => [...walk(b)]).filter(([p]) => p === "role" || p.endsWith(".role")).map(([, v]) => String(v));
    expect(roles.length).toBeGreaterThan(10);
    for (const role of roles) {
      expect(role).not.toMatch(/^roles\/(owner|editor|viewer)$/);
      expect(role).not.toMatch(/\.admin$|^roles\/[a-z]+Admin$/i);
    }
  });

  it("lets nobody invoke the service by grant, and only the scheduler start the job; GitHub only from main in this environment", () => {
    const invokers = resourcesOf(tf, "google_cloud_run_v2_service_iam_member", "google_cloud_run_v2_service_iam_binding", "google_cloud_run_v2_job_iam_member").filter(([, b]) => b.role === "roles/run.invoker");
    expect(invokers.map(([address, b]) => [address, ...members(b)])).toEqual([["google_cloud_run_v2_job_iam_member.scheduler_runs_job", "serviceAccount:${google_service_account.scheduler.email}"]]);
    const projectRoles = resourcesOf(tf, "google_project_iam_member", "google_project_iam_binding").map(([, b]) => b.role);
    expect(projectRoles).not.toContain("roles/run.invoker");
    const provider = tf.resource.google_iam_workload_identity_pool_provider!.github!;
    expect(provider.attribute_condition).toBe('assertion.repository == "${var.github_repository}" && assertion.ref == "refs/heads/main" && assertion.environment == "${var.environment}"');
  });

  it("reads the vendor secrets from the shared names file and lets only the pipeline account access them", () => {
    expect(String(tf.locals.secret_ids)).toContain('file("${path.module}/../service/secret-names.json")');
    const names = JSON.parse(readFileSync(`${infraDir}../service/secret-names.json`, "utf8")) as Record<string, string>;
    expect(names).toEqual(SECRET_NAMES);
    const vendor = tf.resource.google_secret_manager_secret!.vendor!;
    expect(vendor.for_each).toBe("${local.secret_ids}");
    const accessors = resourcesOf(tf, "google_secret_manager_secret_iam_member", "google_secret_manager_secret_iam_binding", "google_project_iam_member", "google_project_iam_binding").filter(([, b]) => String(b.role).startsWith("roles/secretmanager."));
    const onVendor = accessors.filter(([, b]) => String(b.for_each).includes("google_secret_manager_secret.vendor"));
    expect(onVendor.flatMap(([, b]) => members(b))).toEqual(["serviceAccount:${google_service_account.pipeline.email}"]);
    // Everything else that touches secrets is the Dataform agent's git token, never at project level.
    for (const [address, b] of accessors.filter((a) => !onVendor.includes(a))) {
      expect(address).toMatch(/^google_secret_manager_secret_iam_member\./);
      expect(members(b)).toEqual(["serviceAccount:${google_project_service_identity.dataform_agent.email}"]);
    }
  });

  it("starts the Cloud Run job from Scheduler at 06:00 Los Angeles with an OAuth token, with retries and a short deadline", () => {
    const job = tf.resource.google_cloud_scheduler_job!.daily!;
    const target = (job.http_target as Record<string, unknown>[])[0]!;
    const oauth = (target.oauth_token as Record<string, unknown>[])[0]!;
    expect(oauth.service_account_email).toBe("${google_service_account.scheduler.email}");
    expect(target.uri).toBe("https://run.googleapis.com/v2/projects/${var.project_id}/locations/${var.region}/jobs/${google_cloud_run_v2_job.daily.name}:run");
    expect(target.http_method).toBe("POST");
    expect(tf.variable.schedule!.default).toBe("0 6 * * *");
    expect(tf.variable.schedule_time_zone!.default).toBe("America/Los_Angeles");
    const retry = (job.retry_config as Record<string, unknown>[])[0]!;
    expect(retry.retry_count).toBeGreaterThan(0);
    expect(Number(String(job.attempt_deadline).replace("s", ""))).toBeLessThanOrEqual(300); // the API answers at once
  });

  it("sizes the service and the job: 1 vCPU, 1 GiB, as the pipeline account, one run; the job outlives a 60-minute run and never retries", () => {
    const svc = tf.resource.google_cloud_run_v2_service!.job!;
    const template = (svc.template as Record<string, unknown>[])[0]!;
    const container = (template.containers as Record<string, unknown>[])[0]!;
    expect(((container.resources as Record<string, unknown>[])[0]!.limits) as Record<string, string>).toEqual({ cpu: "1", memory: "1Gi" });
    expect(template.timeout).toBe("3600s");
    expect(template.service_account).toBe("${google_service_account.pipeline.email}");
    expect((template.scaling as Record<string, unknown>[])[0]!.max_instance_count).toBe(1);
    expect(template.max_instance_request_concurrency).toBeGreaterThan(1); // /health and the 409 answer during a run

    const job = tf.resource.google_cloud_run_v2_job!.daily!;
    const outer = (job.template as Record<string, unknown>[])[0]!;
    const task = (outer.template as Record<string, unknown>[])[0]!;
    const jobContainer = (task.containers as Record<string, unknown>[])[0]!;
    expect(outer.task_count).toBe(1);
    expect(task.max_retries).toBe(0);
    expect(Number(String(task.timeout).replace("s", ""))).toBeGreaterThan(3600);
    expect(task.service_account).toBe("${google_service_account.pipeline.email}");
    expect(jobContainer.command).toEqual(["node", "--enable-source-maps", "dist/service/job.js"]);
    // The lock outlives the job's task timeout (service/settings.ts LOCK_TTL_MINUTES default).
    const settings = readFileSync(`${infraDir}../service/settings.ts`, "utf8");
    expect(Number(settings.match(/LOCK_TTL_MINUTES: positiveInt\((\d+)\)/)![1]) * 60).toBeGreaterThan(Number(String(task.timeout).replace("s", "")));

    // Both take their environment from one map; the settings the service requires outside development are in it.
    const env = String(tf.locals.run_env);
    for (const name of ["ENVIRONMENT", "GOOGLE_CLOUD_PROJECT", "BIGQUERY_DATASET", "LAKE_URI", "WAREHOUSE", "LOCK_URI", "RUN_RECORDS_URI", "SECRETS_SOURCE", "DATAFORM_REPOSITORY", "DATAFORM_REGION", "DATAFORM_RELEASE_CONFIG"]) {
      expect(env, name).toMatch(new RegExp(`\\b${name}\\s*=`));
    }
    expect(env).toMatch(/WAREHOUSE\s*=\s*"bigquery"/);
    expect(env).toMatch(/SECRETS_SOURCE\s*=\s*"secret-manager"/);
    expect(env).toContain('LOCK_URI                 = "gs://${google_storage_bucket.state.name}/');
    for (const c of [container, jobContainer]) expect(JSON.stringify(c.dynamic)).toContain("${local.run_env}");
  });

  it("keeps the lake private, versioned, uniform, with lifecycle to colder storage", () => {
    const lake = tf.resource.google_storage_bucket!.lake!;
    expect(lake.uniform_bucket_level_access).toBe(true);
    expect(lake.public_access_prevention).toBe("enforced");
    expect((lake.versioning as Record<string, unknown>[])[0]!.enabled).toBe(true);
    const classes = (lake.lifecycle_rule as { action: { type: string; storage_class?: string }[] }[]).map((r) => r.action[0]!.storage_class).filter(Boolean);
    expect(classes).toEqual(["NEARLINE", "COLDLINE"]);
  });

  it("creates the three datasets of the data contract with dataset-level grants", () => {
    const ds = tf.resource.google_bigquery_dataset!;
    expect([ds.raw!.dataset_id, ds.analytics!.dataset_id, ds.assertions!.dataset_id]).toEqual(["${local.dataset_base}_raw", "${local.dataset_base}", "${local.dataset_base}_assertions"]);
    const dataRoles = resourcesOf(tf, "google_project_iam_member").map(([, b]) => String(b.role)).filter((r) => r.startsWith("roles/bigquery.data"));
    expect(dataRoles).toEqual([]);
  });

  it("puts the Dataform resources on google-beta with the daily tag and dependencies", () => {
    for (const type of ["google_dataform_repository", "google_dataform_repository_release_config", "google_dataform_repository_workflow_config", "google_dataform_repository_iam_member", "google_project_service_identity"]) {
      for (const [address, block] of resourcesOf(tf, type)) expect(block.provider, address).toBe("${google-beta}");
    }
    const inv = (tf.resource.google_dataform_repository_workflow_config!.daily!.invocation_config as Record<string, unknown>[])[0]!;
    expect(inv).toMatchObject({ included_tags: ["daily"], transitive_dependencies_included: true });
    expect(tf.resource.google_dataform_repository_workflow_config!.daily!.cron_schedule, "the Cloud Run job runs the daily tag").toBeUndefined();
    const rc = (tf.resource.google_dataform_repository_release_config!.env!.code_compilation_config as Record<string, unknown>[])[0]!;
    expect(rc.assertion_schema).toBe("${local.dataset_base}_assertions");
  });

  it("runs the weekly whole-history checks once a week on the released compilation, nothing rebuilt, and alerts when they fail", () => {
    const weekly = tf.resource.google_dataform_repository_workflow_config!.weekly!;
    expect(weekly.release_config).toBe("${google_dataform_repository_release_config.env.id}");
    expect(weekly.cron_schedule).toBe("${var.weekly_checks_schedule}");
    expect(weekly.time_zone).toBe("${var.schedule_time_zone}");
    // one day of the week (the fifth field), at one minute of one hour, away from the daily run's hour
    const cron = String(tf.variable.weekly_checks_schedule!.default).split(" ");
    expect(cron).toHaveLength(5);
    expect(cron.slice(0, 2).every((f) => /^\d+$/.test(f)) && /^[0-6]$/.test(cron[4]!) && cron[2] === "*" && cron[3] === "*").toBe(true);
    expect(cron[1]).not.toBe(String(tf.variable.schedule!.default).split(" ")[1]);
    const inv = (weekly.invocation_config as Record<string, unknown>[])[0]!;
    expect(inv).toMatchObject({ included_tags: ["weekly"], transitive_dependencies_included: false, fully_refresh_incremental_tables_enabled: false, service_account: "${google_service_account.dataform.email}" });
    // that the tag exists, and names only assertions: test/models/assertions.test.ts, on the compiled graph
    const metric = tf.resource.google_logging_metric!.dataform_failures!;
    expect(String(metric.filter)).toContain('jsonPayload.terminalState="FAILED"');
    expect(String(metric.filter)).toContain("${google_dataform_repository.main.name}");
    expect(JSON.stringify(tf.resource.google_monitoring_alert_policy!.checks_failed)).toContain("google_logging_metric.dataform_failures.name");
  });

  it("has log-based metrics and alerts for failed run, failed checks, stale data, cost variance and API errors, to the given channels", () => {
    const alerts = tf.resource.google_monitoring_alert_policy!;
    expect(Object.keys(alerts).sort()).toEqual(["api_errors", "checks_failed", "cost_variance", "run_failed", "stale_data"]);
    for (const [name, a] of Object.entries(alerts)) expect(a.notification_channels, name).toBe("${var.notification_channels}");
    expect(JSON.stringify(alerts.stale_data)).toContain("[25h]");
    expect(JSON.stringify(alerts.api_errors)).toContain("> 0.2");
    // Metrics key on events the service and the job really log.
    const server = readFileSync(`${infraDir}../service/daily-run.ts`, "utf8");
    // (all but Dataform's own failures metric, which reads Dataform's workflow invocation logs)
    for (const [name, m] of Object.entries(tf.resource.google_logging_metric!).filter(([name]) => name !== "dataform_failures")) {
      expect(String(m.filter), name).toContain("local.service_logs");
      const event = String(m.filter).match(/jsonPayload\.event=\\?"([a-z_]+)\\?"/)?.[1];
      expect(event && server.includes(`event: "${event}"`), `${name}: ${event}`).toBe(true);
    }
  });

  it("declares both providers, a GCS backend, the variables it uses and the outputs it promises", () => {
    const required = (tf.terraform.find((t) => t.required_providers)!.required_providers as Record<string, { source: string }>[])[0]!;
    expect(required.google!.source).toBe("hashicorp/google");
    expect(required["google-beta"]!.source).toBe("hashicorp/google-beta");
    expect(JSON.stringify(tf.terraform)).toContain('"backend":{"gcs"');
    for (const v of ["project_id", "region", "environment", "notification_channels"]) expect(tf.variable[v], v).toBeDefined();
    for (const o of ["service_url", "image_repository", "lake_bucket", "github_workload_identity_provider"]) expect(tf.output[o], o).toBeDefined();
    // Cheap stand-in for `terraform validate`: every var.X and resource reference exists.
    const all = Object.values(tf.files).join("\n");
    for (const [, name] of all.matchAll(/\bvar\.([a-z_0-9]+)/g)) expect(tf.variable[name!], `var.${name}`).toBeDefined();
    for (const [, type, name] of all.matchAll(/\b(google_[a-z0-9_]+)\.([a-z_0-9]+)\.(?:[a-z_]+)/g)) {
      expect(tf.resource[type!]?.[name!], `${type}.${name}`).toBeDefined();
    }
    for (const [, name] of all.matchAll(/\blocal\.([a-z_0-9]+)/g)) expect(tf.locals[name!], `local.${name}`).toBeDefined();
  });
});
