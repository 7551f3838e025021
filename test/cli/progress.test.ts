// The live display a terminal user watches: one line per stream, redrawn in place, ending on the final states.
import { describe, expect, it } from "vitest";
import { ProgressDisplay } from "../../cli/progress.ts";
import type { StreamResult } from "../../loaders/index.ts";

function terminal() {
  const out = { columns: 120, text: "", write: (s: string) => ((out.text += s), true) };
  return out;
}

const result = (stream: string, status: StreamResult["status"], records: number, error?: string): StreamResult => ({
  source: "cursor", stream, status, requests: 3, retries: 0, pages: 3, records, quarantined: 1, bytes: 10, windows: [], emptyDays: [], startedAt: "", finishedAt: "", error,
});

describe("ProgressDisplay", () => {
  it("shows pages, records and quarantined per stream, redraws in place, and ends with each stream's state", () => {
    const out = terminal();
    const display = new ProgressDisplay(out as unknown as NodeJS.WriteStream);
    display.handle({ type: "start", runId: "r1", range: { start: "2026-11-01", end: "2026-11-03" }, streams: [{ source: "cursor", stream: "members" }, { source: "cursor", stream: "usage_events" }] });
    display.handle({ type: "page", source: "cursor", stream: "usage_events", pages: 2, records: 1500, quarantined: 0, requests: 2 });
    display.handle({ type: "stream-end", result: result("members", "succeeded", 29) });
    display.handle({ type: "stream-end", result: result("usage_events", "failed", 1500, "Cursor POST /teams/filtered-usage-events failed: HTTP 401") });
    display.stop();
    display.stop(); // a second stop (error paths call it again) draws nothing more
    expect(out.text).toContain("Run r1: 2026-11-01 .. 2026-11-03, 2 streams");
    const last = out.text.split("\x1b[2A").at(-1)!; // a redraw moves the cursor up over the previous frame
    expect(last).toMatch(/cursor\.members\s+3 pages\s+29 records\s+1 quarantined\s+succeeded/);
    expect(last).toMatch(/cursor\.usage_events\s+3 pages\s+1500 records\s+1 quarantined\s+FAILED Cursor POST/);
    expect(out.text.match(/cursor\.members/g)).toHaveLength(1); // drawn once: stop() twice did not redraw
  });
});
