/**
 * Who is calling the REST API: the user of the API key in `Authorization: Bearer <key>` (or
 * `X-API-Key: <key>`). Keys only — session cookies are deliberately ignored on /api/v1, so a page
 * on another site cannot make a signed-in browser call the API (no CSRF surface), and every REST
 * call is attributable to a key the user can revoke.
 */
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { authenticateApiKey } from "../services/authenticateApiKey";

export const AUTH_REALM = "BOIG Studio";

/** The key a request carries, or null; a non-Bearer Authorization scheme counts as none. */
export function apiKeyOf(req: Request): string | null {
  const authorization = req.headers.get("authorization");
  const bearer = authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) return bearer;
  const header = req.headers.get("x-api-key")?.trim();
  return header ? header : null;
}

export async function authenticateRequest(db: Db, req: Request): Promise<SessionUser> {
  const key = apiKeyOf(req);
  if (!key)
    throw new AppError("UNAUTHENTICATED", "Missing API key: send it as `Authorization: Bearer <key>` (create one under Settings)", {
      challenge: `Bearer realm="${AUTH_REALM}"`,
    });
  const user = await authenticateApiKey(db, key);
  if (!user)
    throw new AppError("UNAUTHENTICATED", "Invalid or revoked API key", {
      challenge: `Bearer realm="${AUTH_REALM}", error="invalid_token"`,
    });
  return user;
}
