import { describe, expect, it } from "vitest";
import { loadSettings } from "../../service/settings.ts";
import { traceFields } from "../../service/trace.ts";

const prod = {
  ENVIRONMENT: "production",
  GOOGLE_CLOUD_PROJECT: "p1",
  DATAFORM_REPOSITORY: "ai-usage-prod",
  DATAFORM_REGION: "us-central1",
  DATAFORM_RELEASE_CONFIG: "production",
  LOCK_URI: "gs://state/locks/daily-job.lock",
  RUN_RECORDS_URI: "gs://state/",
  SECRETS_SOURCE: "secret-manager",
};

describe("service settings", () => {
  it("accepts a complete production setup and defaults the rest", () => {
    const s = loadSettings({ ...prod, PORT: "9090" });
    expect(s).toMatchObject({ PORT: 9090, DATAFORM_TAG: "daily", LOCK_TTL_MINUTES: 120, DATAFORM_TIMEOUT_MINUTES: 60, RUN_MODE: "production", dataform: { project: "p1", repository: "ai-usage-prod", releaseConfig: "production" } });
  });

  it("needs nothing for local development", () => {
    expect(loadSettings({})).toMatchObject({ ENVIRONMENT: "development", PORT: 8080, SECRETS_SOURCE: "env", dataform: undefined });
  });

  it.each([
    [{ LOCK_URI: undefined }, /^LOCK_URI: is required when ENVIRONMENT=production/],
    [{ LOCK_URI: "/tmp/lock" }, /^LOCK_URI: must be gs:\/\/<bucket>\/<object path>/],
    [{ RUN_RECORDS_URI: undefined }, /^RUN_RECORDS_URI: is required when ENVIRONMENT=production/],
    [{ DATAFORM_COMMIT: "main" }, /^DATAFORM_COMMIT: must be a full git commit sha/],
    [{ DATAFORM_REGION: undefined }, /^DATAFORM_REGION: set DATAFORM_REPOSITORY, DATAFORM_REGION and DATAFORM_RELEASE_CONFIG together/],
    [{ SECRETS_SOURCE: "env" }, /^SECRETS_SOURCE: must be secret-manager when ENVIRONMENT=production/],
    [{ PORT: "http" }, /^PORT: /],
    [{ ENVIRONMENT: "prod" }, /^ENVIRONMENT: /],
  ])("names the variable and the fix: %o", (patch, message) => {
    expect(() => loadSettings({ ...prod, ...patch })).toThrow(message);
  });
});

describe("trace correlation", () => {
  it("reads X-Cloud-Trace-Context and traceparent", () => {
    expect(traceFields({ "x-cloud-trace-context": "105445aa7843bc8bf206b12000100000/1;o=1" }, "p1")).toEqual({
      "logging.googleapis.com/trace": "projects/p1/traces/105445aa7843bc8bf206b12000100000",
      "logging.googleapis.com/spanId": "0000000000000001",
    });
    expect(traceFields({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }, "p1")).toEqual({
      "logging.googleapis.com/trace": "projects/p1/traces/4bf92f3577b34da6a3ce929d0e0e4736",
      "logging.googleapis.com/spanId": "00f067aa0ba902b7",
    });
    expect(traceFields({ "x-cloud-trace-context": "garbage" }, "p1")).toEqual({});
    expect(traceFields({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }, undefined)).toEqual({});
  });
});
