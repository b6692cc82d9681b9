/**
 * The wrapper every /api/v1 route handler is built from, as tRPC procedures are built from
 * marketerProcedure / adminProcedure: authenticate the API key, apply the route's access level,
 * run the handler, and answer any error through the one status table (httpErrors.ts).
 *
 * The database is the process-wide one (getDb); tests point it at a throwaway data folder or
 * database through the environment, as for the app itself.
 */
import type { SessionUser } from "../api/trpc";
import { getDb, type Db } from "../db/client";
import { AppError, forbidden } from "../errors";
import { authenticateRequest } from "./auth";
import { errorResponse } from "./httpErrors";

export type RestAccess = "marketer" | "admin";
export type RestContext<P> = { req: Request; db: Db; user: SessionUser; params: P };
/** What Next.js passes a route handler as its second argument. */
export type RouteArgs<P> = { params: Promise<P> };

export function restRoute<P extends Record<string, string> = Record<string, never>>(
  access: RestAccess,
  handle: (ctx: RestContext<P>) => Promise<Response>,
): (req: Request, route?: RouteArgs<P>) => Promise<Response> {
  return async (req, route) => {
    try {
      const db = await getDb();
      const user = await authenticateRequest(db, req);
      if (access === "admin" && user.role !== "admin") throw forbidden("Admins only: this route needs an admin's API key");
      const params = ((await route?.params) ?? {}) as P;
      return await handle({ req, db, user, params });
    } catch (err) {
      const challenge = err instanceof AppError && err.code === "UNAUTHENTICATED" ? err.details?.challenge : undefined;
      return errorResponse(err, typeof challenge === "string" ? { "www-authenticate": challenge } : {});
    }
  };
}

/** A JSON answer. Dates serialize as ISO 8601 strings (Date.prototype.toJSON); never cached. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "private, no-store", ...headers } });
}
