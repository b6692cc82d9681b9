import type { Db } from "../db/client";
import { auditLog } from "../db/schema";

/** Appends who did what to the audit log. */
export async function recordAudit(
  db: Db,
  entry: { actorId: string | null; action: string; target?: string; details?: Record<string, unknown> },
) {
  await db.insert(auditLog).values({
    actorId: entry.actorId,
    action: entry.action,
    target: entry.target ?? null,
    details: entry.details ?? {},
  });
}
