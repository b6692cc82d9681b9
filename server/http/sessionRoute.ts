/**
 * Plumbing for the browser's non-tRPC routes (image bytes, ZIP downloads, the import ZIP upload):
 * the signed-in user from the session cookie, and AppErrors answered with their HTTP status
 * (server/rest/httpErrors.ts, the same table the REST API uses).
 *
 * A cookie rides along with any request the browser makes, including one a foreign site's form
 * triggers, so a route that changes state must also prove the request came from our own pages:
 * see `assertSameSite`. GET routes change nothing and need no such proof.
 */
import type { SessionUser } from "../api/trpc";
import { getSessionUser } from "../auth/currentUser";
import { getDb, type Db } from "../db/client";
import { env } from "../env";
import { errorResponse } from "../rest/httpErrors";
import { AppError, forbidden } from "../errors";

type Work = (ctx: { db: Db; user: SessionUser }) => Promise<Response>;

export async function sessionRoute(work: Work): Promise<Response> {
  try {
    const user = await getSessionUser();
    if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first");
    return await work({ db: await getDb(), user });
  } catch (error) {
    return errorResponse(error);
  }
}

/** The header our own pages send with every state-changing request to these routes. */
export const CSRF_HEADER = "x-boig-csrf";

/**
 * A session route for admins only (401 signed out, 403 otherwise). A request other than GET/HEAD
 * must also pass `assertSameSite`.
 */
export function adminSessionRoute(req: Request, work: Work): Promise<Response> {
  return sessionRoute(async (ctx) => {
    if (ctx.user.role !== "admin") throw forbidden("Admins only");
    if (req.method !== "GET" && req.method !== "HEAD") assertSameSite(req);
    return work(ctx);
  });
}

/**
 * Cross-site request forgery guard for cookie-authenticated writes: the request must carry
 * `x-boig-csrf: 1` or an Origin that is this app's own host. A cross-site HTML form can set
 * neither — forms cannot add headers, a cross-origin fetch that adds one needs a CORS preflight
 * we never answer, and the browser, not the page, writes Origin. The session cookie's SameSite=Lax
 * alone is not enough: it still rides along from sibling subdomains ("same site").
 */
export function assertSameSite(req: Request) {
  if (req.headers.get(CSRF_HEADER) === "1") return;
  const origin = req.headers.get("origin");
  if (origin && isOwnOrigin(req, origin)) return;
  throw forbidden(`Cross-site request refused: send the ${CSRF_HEADER}: 1 header from the app's own pages`);
}

/** Whether an Origin header names this app: the request's own host, its Host / X-Forwarded-Host, or NEXTAUTH_URL's. */
export function isOwnOrigin(req: Request, origin: string): boolean {
  if (origin === "null") return false;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // a malformed Origin is nobody's
  }
  const ours = new Set<string>([new URL(req.url).host]);
  for (const header of ["host", "x-forwarded-host"]) {
    const value = req.headers.get(header)?.split(",")[0]?.trim();
    if (value) ours.add(value);
  }
  const publicUrl = env().NEXTAUTH_URL;
  if (publicUrl) ours.add(new URL(publicUrl).host);
  return ours.has(host);
}
