/**
 * Plumbing for the browser's non-tRPC routes (image bytes, ZIP downloads): the signed-in user from
 * the session cookie, and AppErrors answered with their HTTP status (server/rest/httpErrors.ts,
 * the same table the REST API uses). GET only: nothing here changes state, so no CSRF surface.
 */
import type { SessionUser } from "../api/trpc";
import { getSessionUser } from "../auth/currentUser";
import { getDb, type Db } from "../db/client";
import { errorResponse } from "../rest/httpErrors";
import { AppError } from "../errors";

export async function sessionRoute(work: (ctx: { db: Db; user: SessionUser }) => Promise<Response>): Promise<Response> {
  try {
    const user = await getSessionUser();
    if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first");
    return await work({ db: await getDb(), user });
  } catch (error) {
    return errorResponse(error);
  }
}
