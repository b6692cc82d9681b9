/**
 * Per-user brake on the BoigLLM calls that are not generations: llm.verbalize, llm.score,
 * studio.compare, studio.scoreUpload and POST /api/v1/score each cost up to seconds of CPU, so one
 * user (or one leaked API key) must not be able to keep the server's cores busy. At most `limit`
 * (BOIG_MODEL_CALLS_PER_MINUTE) such calls per user per rolling minute; past it, RATE_LIMITED with
 * the seconds until the oldest counted call leaves the window (429 + Retry-After over REST).
 * Generations have their own, database-backed limits (requestGeneration.ts).
 *
 * Known limits (docs/security.md), as for the sign-in throttle: the counts live in this process's
 * memory, so several app instances each count on their own and a restart forgets them.
 */
import { env } from "../env";
import { AppError } from "../errors";
import { rollingWindow } from "../http/rollingWindow";

export const MODEL_CALL_WINDOW_MS = 60_000;

const calls = rollingWindow(MODEL_CALL_WINDOW_MS);

/** Counts one model call for `userId`, or throws RATE_LIMITED (nothing counted) when the minute's share is used up. */
export function takeModelCall(userId: string, limit = env().BOIG_MODEL_CALLS_PER_MINUTE, now = Date.now()): void {
  const retryAfterSeconds = calls.retryAfterSeconds(userId, limit, now);
  if (retryAfterSeconds > 0) {
    throw new AppError(
      "RATE_LIMITED",
      `Too many scoring and layout requests: at most ${limit} per minute. Try again in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
    );
  }
  calls.add(userId, now);
}

/** Tests: forget every count. */
export function resetModelCallThrottle() {
  calls.clear();
}
