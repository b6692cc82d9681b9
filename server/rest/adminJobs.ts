/** GET /api/v1/admin/jobs — the job queue (admin.jobs.list), for admins' keys only. */
import { z } from "zod";
import { JOB_STATUSES } from "../db/schema";
import { listJobs } from "../services/listJobs";
import { parseInput } from "../services/validation";
import { json, restRoute } from "./route";
import { queryOf } from "./views";

const jobsQuery = z.object({
  /** Comma-separated, e.g. `?status=queued,running`. */
  status: z
    .string()
    .transform((s) => s.split(",").map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(JOB_STATUSES, { error: `must list job statuses among ${JOB_STATUSES.join(", ")}` })))
    .optional(),
  limit: z.coerce
    .number({ error: "must be a number from 1 to 500" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(500, { error: "must be at most 500" })
    .optional(),
});

export const listJobsRoute = restRoute("admin", async ({ req, db }) => {
  const query = parseInput(jobsQuery, queryOf(req));
  return json({ items: await listJobs(db, { statuses: query.status, limit: query.limit }) });
});
