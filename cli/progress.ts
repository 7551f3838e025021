// Live progress on a terminal: one line per stream (pages, records, rate, state), redrawn in place.
import type { ProgressEvent, StreamResult } from "../loaders/index.ts";

interface Row {
  name: string;
  pages: number;
  records: number;
  quarantined: number;
  requests: number;
  started: number;
  state: "running" | StreamResult["status"];
  error?: string;
}

export class ProgressDisplay {
  private rows = new Map<string, Row>();
  private drawn = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  handle = (event: ProgressEvent): void => {
    if (event.type === "start") {
      for (const s of event.streams) {
        const name = `${s.source}.${s.stream}`;
        this.rows.set(name, { name, pages: 0, records: 0, quarantined: 0, requests: 0, started: Date.now(), state: "running" });
      }
      this.out.write(`Run ${event.runId}: ${event.range.start} .. ${event.range.end}, ${event.streams.length} streams\n`);
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    } else if (event.type === "page") {
      const row = this.rows.get(`${event.source}.${event.stream}`);
      if (row) Object.assign(row, { pages: event.pages, records: event.records, quarantined: event.quarantined, requests: event.requests });
    } else {
      const r = event.result;
      const row = this.rows.get(`${r.source}.${r.stream}`);
      if (row) Object.assign(row, { pages: r.pages, records: r.records, quarantined: r.quarantined, requests: r.requests, state: r.status, error: r.error });
    }
  };

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
  }

  private draw(): void {
    const lines = [...this.rows.values()].map((r) => {
      const seconds = Math.max((Date.now() - r.started) / 1000, 0.001);
      const rate = r.state === "running" ? `${Math.round(r.records / seconds)}/s` : "";
      const state = r.state === "failed" ? `FAILED ${r.error ?? ""}` : r.state;
      return `  ${r.name.padEnd(28)} ${String(r.pages).padStart(5)} pages ${String(r.records).padStart(9)} records ${String(r.quarantined).padStart(5)} quarantined ${rate.padStart(8)}  ${state}`;
    });
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
    this.out.write(lines.map((l) => `\x1b[2K${l.slice(0, (this.out.columns || 160) - 1)}\n`).join(""));
    this.drawn = lines.length;
  }
}
