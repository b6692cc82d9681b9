/**
 * The one error taxonomy of the app. Services throw these; the tRPC layer maps them to
 * tRPC codes in one place (server/api/trpc.ts), the CLI prints `code: message`.
 * Invariant: `message` is safe to show to the user; `details` carries field-level info.
 */
export type AppErrorCode =
  | "BAD_INPUT" // the caller sent something invalid (form, CSV row, API payload)
  | "NOT_FOUND"
  | "CONFLICT" // e.g. an email already taken, a job already finished
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "MODEL_INVALID" // an artifact failed its manifest / sha256 / feed checks
  | "UNAVAILABLE" // a dependency (trainer, database) cannot serve right now
  | "INTERNAL";

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new AppError("BAD_INPUT", message, details);
export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const conflict = (message: string) => new AppError("CONFLICT", message);
export const forbidden = (message = "You do not have access to this") =>
  new AppError("FORBIDDEN", message);
export const modelInvalid = (message: string, details?: Record<string, unknown>) =>
  new AppError("MODEL_INVALID", message, details);
