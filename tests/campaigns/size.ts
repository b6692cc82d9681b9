/**
 * How big the load and fault campaigns run (issue #8). CI runs them reduced, so `./studio test`
 * stays within its time on 2 cores; `BOIG_CAMPAIGN=full npx vitest run tests/unit/loadCampaign.db.test.ts
 * tests/unit/faultCampaign.db.test.ts` runs the sizes the issue names. This is the one place that
 * reads the flag, so a campaign cannot be half reduced and half full.
 */
export type CampaignSize = "reduced" | "full";

export function campaignSize(): CampaignSize {
  const flag = process.env.BOIG_CAMPAIGN;
  if (flag === undefined || flag === "" || flag === "reduced") return "reduced";
  if (flag === "full") return "full";
  // A typo must not silently run the reduced campaign while the caller believes it ran the full one.
  throw new Error(`BOIG_CAMPAIGN must be "full" or "reduced" (or unset), not ${JSON.stringify(flag)}`);
}

/** The value for the current size: `bySize({ reduced: 20, full: 50 })`. */
export function bySize<T>(sizes: Record<CampaignSize, T>): T {
  return sizes[campaignSize()];
}
