/**
 * /api/v1/generations: queue a generation (optionally waiting for it), list History, get one.
 * The same services as the `studio.*` tRPC procedures, so limits, validation and access are one.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { notFound } from "../errors";
import { getGeneration, type GenerationView } from "../services/getGeneration";
import { listGenerations } from "../services/listGenerations";
import { requestGeneration, type GenerationRequest } from "../services/requestGeneration";
import { parseInput } from "../services/validation";
import { readJsonObject } from "./body";
import { json, restRoute } from "./route";
import { decodeCursor, encodeCursor, queryOf, restGenerationUrl, withRestImageUrls } from "./views";

/** `"wait": true` polls this often, for at most WAIT_LIMIT_MS, then answers 202 if not done. */
export const WAIT_POLL_MS = 300;
export const WAIT_LIMIT_MS = 120_000;
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

const waitField = z.boolean({ error: "must be true or false" }).default(false);

export const createGeneration = restRoute("marketer", async ({ req, db, user }) => {
  const { wait: rawWait, ...fields } = await readJsonObject(req);
  const wait = parseInput(z.object({ wait: waitField }), { wait: rawWait }).wait;
  // As the client sent them: requestGeneration's zod schema validates (and names) every field.
  const { id } = await requestGeneration(db, user.id, fields as GenerationRequest);
  let generation: GenerationView = await getGeneration(db, user, id);
  if (wait) {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    // The job runs in the worker (server/boot.ts); this request only watches it. A client that
    // hangs up stops the watching, not the generation.
    while (!FINISHED.has(generation.status) && Date.now() < deadline && !req.signal.aborted) {
      await sleep(WAIT_POLL_MS);
      generation = await getGeneration(db, user, id);
    }
  }
  const finished = FINISHED.has(generation.status);
  return json(withRestImageUrls(generation), finished ? 201 : 202, { location: restGenerationUrl(id) });
});

const listQuery = z.object({
  brand: z.string().trim().max(200, { error: "is longer than 200 characters" }).optional(),
  limit: z.coerce
    .number({ error: "must be a number from 1 to 100" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(100, { error: "must be at most 100" })
    .optional(),
  cursor: z.string().optional(),
  /** Admins: everyone's generations, not only their own. */
  everyone: z.enum(["true", "false", "1", "0"], { error: "must be true or false" }).optional(),
});

export const listGenerationsRoute = restRoute("marketer", async ({ req, db, user }) => {
  const query = parseInput(listQuery, queryOf(req));
  const page = await listGenerations(db, user, {
    brand: query.brand,
    limit: query.limit,
    everyone: query.everyone === "true" || query.everyone === "1",
    cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
  });
  return json({ items: page.items.map(withRestImageUrls), nextCursor: encodeCursor(page.nextCursor) });
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const getGenerationRoute = restRoute<{ id: string }>("marketer", async ({ db, user, params }) => {
  // A malformed id names no generation: 404 like an unknown one (not a database error).
  if (!UUID.test(params.id)) throw notFound("Generation");
  return json(withRestImageUrls(await getGeneration(db, user, params.id)));
});
