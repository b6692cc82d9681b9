/**
 * The one mapping from the app's errors to HTTP, for the REST API (/api/v1) and the browser's
 * plain routes (server/http/sessionRoute.ts) — the HTTP twin of TRPC_CODE in server/api/trpc.ts.
 *
 * Every error body is `{ error: { code, message, fields? } }`. `message` is the AppError's, which
 * is safe to show (server/errors.ts) — except for 500s: MODEL_INVALID and INTERNAL messages can
 * name files and internals, so clients get a generic line and the server log gets the error.
 */
import { ZodError } from "zod";
import { AppError, type AppErrorCode } from "../errors";

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  MODEL_INVALID: 500,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * A failure of the HTTP request itself rather than of a service (body too large, not JSON, wrong
 * content type): no AppError code fits a 413, and services never see these requests.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export type FieldError = { path: string; message: string };
export type ErrorBody = { error: { code: string; message: string; fields?: FieldError[]; retryAfterSeconds?: number } };

const GENERIC_500: Partial<Record<AppErrorCode, string>> = {
  MODEL_INVALID: "A model artifact failed its integrity checks; an admin can find which in the server log",
  INTERNAL: "Internal error",
};

const zodFields = (err: ZodError): FieldError[] => err.issues.map((i) => ({ path: i.path.join(".") || "(input)", message: i.message }));

/** The status and JSON body an error is answered with (the response itself: errorResponse). */
export function describeError(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } }, headers: {} };
  }
  if (err instanceof ZodError) {
    const fields = zodFields(err);
    return { status: 400, body: { error: { code: "BAD_INPUT", message: fields.map((f) => `${f.path}: ${f.message}`).join("; "), fields } }, headers: {} };
  }
  if (err instanceof AppError) {
    const status = HTTP_STATUS[err.code];
    const headers: Record<string, string> = {};
    const error: ErrorBody["error"] = { code: err.code, message: GENERIC_500[err.code] ?? err.message };
    if (err.code === "BAD_INPUT") error.fields = (err.details?.fields as FieldError[] | undefined) ?? [];
    const retryAfter = err.details?.retryAfterSeconds;
    if (err.code === "RATE_LIMITED" && typeof retryAfter === "number" && retryAfter > 0) {
      error.retryAfterSeconds = Math.ceil(retryAfter);
      headers["retry-after"] = String(Math.ceil(retryAfter));
    }
    return { status, body: { error }, headers };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: GENERIC_500.INTERNAL! } }, headers: {} };
}

/** Answers an error as JSON with its HTTP status; 500s are logged here, once. */
export function errorResponse(err: unknown, extraHeaders: Record<string, string> = {}): Response {
  const { status, body, headers } = describeError(err);
  if (status >= 500 && status !== 503) console.error("[http] request failed:", err);
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers, ...extraHeaders } });
}
