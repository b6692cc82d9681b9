import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { MODEL_CALL_WINDOW_MS, resetModelCallThrottle, takeModelCall } from "@/server/services/throttleModelCalls";

const refusal = (f: () => void): AppError => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected RATE_LIMITED, the call was counted");
};

describe("takeModelCall", () => {
  afterEach(() => resetModelCallThrottle());

  it("allows `limit` calls per rolling minute, then refuses with the seconds until the oldest leaves", () => {
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) takeModelCall("ann", 3, t0 + i * 10_000);
    const error = refusal(() => takeModelCall("ann", 3, t0 + 25_000));
    expect(error.code).toBe("RATE_LIMITED");
    expect(error.message).toContain("at most 3 per minute");
    expect(error.details?.retryAfterSeconds).toBe(35); // the call at t0 leaves the window at t0 + 60 s
    // A refused call is not counted: once the first call has left the window, exactly one more fits.
    takeModelCall("ann", 3, t0 + MODEL_CALL_WINDOW_MS);
    expect(refusal(() => takeModelCall("ann", 3, t0 + MODEL_CALL_WINDOW_MS + 1)).details?.retryAfterSeconds).toBe(10);
  });

  it("counts each user on their own", () => {
    takeModelCall("ann", 1, 0);
    expect(() => takeModelCall("ann", 1, 1)).toThrow(AppError);
    expect(() => takeModelCall("bob", 1, 1)).not.toThrow();
  });
});
