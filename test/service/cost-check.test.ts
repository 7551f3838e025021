import { describe, expect, it } from "vitest";
import { costVariance } from "../../service/cost-check.ts";

const week = (usd: number[], lastDay = "2026-11-20") =>
  usd.map((v, i) => ({ day: new Date(Date.parse(`${lastDay}T00:00:00Z`) - (usd.length - 1 - i) * 86_400_000).toISOString().slice(0, 10), usd: v }));

describe("costVariance", () => {
  it("compares the day with the average of the 7 days before it", () => {
    const r = costVariance(week([100, 100, 100, 100, 100, 100, 100, 125]), "2026-11-20");
    expect(r).toMatchObject({ costUsd: 125, trailingAverageUsd: 100, variance: 0.25, exceeded: true });
    expect(costVariance(week([100, 100, 100, 100, 100, 100, 100, 119]), "2026-11-20").exceeded).toBe(false);
  });

  it("flags drops as well as spikes", () => {
    expect(costVariance(week([100, 100, 100, 100, 100, 100, 100, 70]), "2026-11-20")).toMatchObject({ variance: -0.3, exceeded: true });
  });

  it("counts days without rows as zero spend", () => {
    const r = costVariance([{ day: "2026-11-19", usd: 70 }, { day: "2026-11-20", usd: 10 }], "2026-11-20");
    expect(r.trailingAverageUsd).toBe(10);
    expect(r).toMatchObject({ variance: 0, exceeded: false });
  });

  it("has no ratio against an all-zero week and flags any new spend", () => {
    expect(costVariance([{ day: "2026-11-20", usd: 5 }], "2026-11-20")).toMatchObject({ variance: null, exceeded: true });
    expect(costVariance([], "2026-11-20")).toMatchObject({ variance: null, exceeded: false });
  });
});
