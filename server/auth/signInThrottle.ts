/**
 * Brute-force brake on sign-in: after SIGN_IN_MAX_FAILURES wrong passwords for one email from one
 * client address within SIGN_IN_WINDOW_MS, further attempts for that pair are refused without
 * checking the password until the oldest failure leaves the window; a successful sign-in clears
 * the pair. Keyed by email + address so that an attacker cannot lock a user out from everywhere,
 * and a user is not locked out by someone else's typos.
 *
 * Known limits (docs/security.md): the counts live in this process's memory (several app
 * instances each count on their own; a restart forgets them), and the address is the first
 * X-Forwarded-For entry when present — right behind a proxy that sets it, spoofable without one.
 */
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { verifyCredentials } from "../services/verifyCredentials";

export const SIGN_IN_MAX_FAILURES = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
/** Pairs remembered at most; past it, pairs without a recent failure are dropped first. */
const MAX_TRACKED = 50_000;

const failures = new Map<string, number[]>();

const keyOf = (email: unknown, address: string | null) => `${typeof email === "string" ? email.trim().toLowerCase() : ""}\u0001${address ?? "unknown"}`;

/** The client's address from the sign-in request's headers (next-auth passes them as a plain object). */
export function clientAddress(headers: Record<string, unknown> | Headers | undefined | null): string | null {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers?.[name];
    return typeof value === "string" ? value : Array.isArray(value) && typeof value[0] === "string" ? value[0] : null;
  };
  return get("x-forwarded-for")?.split(",")[0]?.trim() || get("x-real-ip")?.trim() || null;
}

function recent(key: string, now: number): number[] {
  const list = (failures.get(key) ?? []).filter((at) => now - at < SIGN_IN_WINDOW_MS);
  if (list.length) failures.set(key, list);
  else failures.delete(key);
  return list;
}

/** Seconds until this email + address may try again, or 0. */
export function signInRetryAfterSeconds(email: unknown, address: string | null, now = Date.now()): number {
  const list = recent(keyOf(email, address), now);
  if (list.length < SIGN_IN_MAX_FAILURES) return 0;
  return Math.max(1, Math.ceil((list[list.length - SIGN_IN_MAX_FAILURES]! + SIGN_IN_WINDOW_MS - now) / 1000));
}

export function recordSignInFailure(email: unknown, address: string | null, now = Date.now()) {
  if (failures.size >= MAX_TRACKED) for (const key of [...failures.keys()]) recent(key, now);
  if (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value!);
  const key = keyOf(email, address);
  failures.set(key, [...recent(key, now), now]);
}

export function clearSignInFailures(email: unknown, address: string | null) {
  failures.delete(keyOf(email, address));
}

/** Tests: forget every count. */
export function resetSignInThrottle() {
  failures.clear();
}

/**
 * The credentials provider's authorize (server/auth/options.ts): the user, or null for a wrong
 * email or password, or RATE_LIMITED (its message is what the sign-in form shows).
 */
export async function authorizeSignIn(db: Db, email: unknown, password: unknown, address: string | null, now = Date.now()) {
  const wait = signInRetryAfterSeconds(email, address, now);
  if (wait > 0)
    throw new AppError("RATE_LIMITED", `Too many failed sign-ins: try again in ${Math.ceil(wait / 60)} minute${wait > 60 ? "s" : ""}.`, {
      retryAfterSeconds: wait,
    });
  const user = await verifyCredentials(db, email, password);
  if (user) clearSignInFailures(email, address);
  else recordSignInFailure(email, address, now);
  return user;
}
