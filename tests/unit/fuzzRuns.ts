/**
 * How many generated cases each fuzz target runs (tests/unit/fuzz.*.test.ts). The floor is the
 * issue's 1000 per target in CI; BOIG_FUZZ_RUNS raises it for a longer local or nightly campaign
 * (a value below the floor is ignored, so CI can never run less). Read here, once, so the test
 * files do not each read process.env.
 */
export const MIN_FUZZ_RUNS = 1000;

export function fuzzRuns(floor = MIN_FUZZ_RUNS): number {
  const raw = Number(process.env.BOIG_FUZZ_RUNS ?? "");
  return Number.isSafeInteger(raw) && raw > floor ? raw : floor;
}

/** Scales a smaller per-case budget (e.g. full database imports) by the same factor as fuzzRuns. */
export function scaledRuns(base: number, floor = MIN_FUZZ_RUNS): number {
  return Math.max(base, Math.round((base * fuzzRuns(floor)) / floor));
}
