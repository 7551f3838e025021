// Daily cost variance: yesterday's total against the trailing 7-day average, from the fct_cost_daily table.
// The service logs the result after a successful Dataform run; the cost-variance alert keys on it.
import type { BigQuery } from "@google-cloud/bigquery";

export interface DailyCost {
  day: string;
  usd: number;
}

export interface CostVariance {
  day: string;
  costUsd: number;
  trailingAverageUsd: number;
  /** (cost - average) / average; null when the trailing week had no cost at all. */
  variance: number | null;
  exceeded: boolean;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Days without rows count as zero spend: a silent day is information too. */
export function costVariance(rows: DailyCost[], day: string, threshold = 0.2): CostVariance {
  const byDay = new Map(rows.map((r) => [r.day, r.usd]));
  const costUsd = byDay.get(day) ?? 0;
  const trailing = Array.from({ length: 7 }, (_, i) => byDay.get(addDays(day, -(i + 1))) ?? 0);
  const trailingAverageUsd = trailing.reduce((a, b) => a + b, 0) / 7;
  const variance = trailingAverageUsd > 0 ? (costUsd - trailingAverageUsd) / trailingAverageUsd : null;
  const exceeded = variance === null ? costUsd > 0 : Math.abs(variance) > threshold;
  return { day, costUsd, trailingAverageUsd, variance, exceeded };
}

// Column names of the fct_cost_daily mart (definitions/marts); change here if the model renames them.
export const COST_TABLE = { name: "fct_cost_daily", dateColumn: "cost_date", usdColumn: "amount_usd" };

export async function queryDailyCosts(bigquery: Pick<BigQuery, "query">, project: string, dataset: string, day: string): Promise<DailyCost[]> {
  const { name, dateColumn, usdColumn } = COST_TABLE;
  const [rows] = await bigquery.query({
    query: `SELECT CAST(${dateColumn} AS STRING) AS day, CAST(SUM(${usdColumn}) AS FLOAT64) AS usd
            FROM \`${project}.${dataset}.${name}\`
            WHERE ${dateColumn} BETWEEN DATE_SUB(@day, INTERVAL 7 DAY) AND @day
            GROUP BY 1`,
    params: { day: { value: day } },
    types: { day: "DATE" },
  });
  return (rows as { day: string; usd: number }[]).map((r) => ({ day: r.day, usd: Number(r.usd) }));
}
