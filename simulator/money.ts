// Money is kept as integer nanocents (1e-9 cent) in bigint, so sums are exact and every
// amount prints as a finite decimal string in cents.

export const NANO_PER_CENT = 1_000_000_000n;

/** nanocents -> decimal string in cents, no trailing zeros ("123.78912", "0", "-1.5"). */
export function centsString(nano: bigint): string {
  const sign = nano < 0n ? "-" : "";
  const abs = nano < 0n ? -nano : nano;
  const whole = abs / NANO_PER_CENT;
  const frac = (abs % NANO_PER_CENT).toString().padStart(9, "0").replace(/0+$/, "");
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}

/** nanocents -> JSON number of cents; exact for the magnitudes simulated (< 2^53 nanocents). */
export function centsNumber(nano: bigint): number {
  return Number(centsString(nano));
}

/** price in USD per million tokens -> nanocents per token (USD/MTok * 100 cents * 1e9 / 1e6 = * 1e5). */
export function perMTok(usd: number): bigint {
  const nano = Math.round(usd * 100_000);
  if (Math.abs(nano - usd * 100_000) > 1e-6) throw new Error(`price ${usd} USD/MTok is not representable in nanocents`);
  return BigInt(nano);
}

/** a JSON number of cents (as a vendor sends it) -> nanocents */
export function nanoFromCents(cents: number): bigint {
  if (!Number.isFinite(cents)) throw new Error(`not an amount of cents: ${cents}`);
  return BigInt(Math.round(cents * 1e9));
}
