/** Small shared pieces of the campaign tests: polling with a deadline, scoped env variables. */
import { resetEnv } from "@/server/env";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` every 150 ms until `ok`; the timeout error names what was awaited and the last value. */
export async function waitUntil<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 600)}`);
    await sleep(150);
  }
}

/** Env variables for one describe block (set in beforeAll, restored in afterAll); unset = removed. */
export function scopedEnv(values: Record<string, string | undefined>) {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  const apply = (next: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(next)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnv();
  };
  return { set: () => apply(values), restore: () => apply(saved) };
}
