/** Polls `probe` until `ok` accepts its value (returned) or `timeoutMs` passes (throws with the last value). */
export async function pollUntil<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
