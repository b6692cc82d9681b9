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
import { rollingWindow } from "../http/rollingWindow";
import { verifyCredentials } from "../services/verifyCredentials";

export const SIGN_IN_MAX_FAILURES = 10;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

const failures = rollingWindow(SIGN_IN_WINDOW_MS);

const keyOf = (email: unknown, address: string | null) => `${typeof email === "string" ? email.trim().toLowerCase() : ""}\u0001${address ?? "unknown"}`;

/** The client's address from the sign-in request's headers (next-auth passes them as a plain object). */
export function clientAddress(headers: Record<string, unknown> | Headers | undefined | null): string | null {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers?.[name];
    return typeof value === "string" ? value : Array.isArray(value) && typeof value[0] === "string" ? value[0] : null;
  };
  return get("x-forwarded-for")?.split(",")[0]?.trim() || get("x-real-ip")?.trim() || null;
}

/** Seconds until this email + address may try again, or 0. */
export function signInRetryAfterSeconds(email: unknown, address: string | null, now = Date.now()): number {
  return failures.retryAfterSeconds(keyOf(email, address), SIGN_IN_MAX_FAILURES, now);
}

export function recordSignInFailure(email: unknown, address: string | null, now = Date.now()) {
  failures.add(keyOf(email, address), now);
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
