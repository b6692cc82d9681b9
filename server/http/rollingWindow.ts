/**
 * Per-key event times over a rolling window, in this process's memory: the sign-in brake
 * (auth/signInThrottle.ts) and the model-call limit (services/throttleModelCalls.ts) both count
 * with it. Bounded: past `maxKeys`, keys with no event in the window are dropped first, then the
 * oldest key. Known limit of both users: several app instances each count on their own, and a
 * restart forgets every count (docs/security.md).
 */
export type RollingWindow = {
  /** Records one event for `key` at `now`. */
  add(key: string, now: number): void;
  /** Seconds until fewer than `limit` events are in the window (≥ 1), or 0 when there already are. */
  retryAfterSeconds(key: string, limit: number, now: number): number;
  delete(key: string): void;
  clear(): void;
};

export function rollingWindow(windowMs: number, maxKeys = 50_000): RollingWindow {
  const events = new Map<string, number[]>();
  const recent = (key: string, now: number) => {
    const list = (events.get(key) ?? []).filter((at) => now - at < windowMs);
    if (list.length) events.set(key, list);
    else events.delete(key);
    return list;
  };
  return {
    add(key, now) {
      if (events.size >= maxKeys) for (const k of [...events.keys()]) recent(k, now);
      if (events.size >= maxKeys && !events.has(key)) events.delete(events.keys().next().value!);
      events.set(key, [...recent(key, now), now]);
    },
    retryAfterSeconds(key, limit, now) {
      const list = recent(key, now);
      if (list.length < limit) return 0;
      return Math.max(1, Math.ceil((list[list.length - limit]! + windowMs - now) / 1000));
    },
    delete: (key) => void events.delete(key),
    clear: () => events.clear(),
  };
}
