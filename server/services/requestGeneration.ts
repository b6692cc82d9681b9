/**
 * A marketer asks for behavior-optimized variants (SPEC §1–2): validate, apply the per-user rate
 * limits, then save the generation and queue its job in one transaction — a request is either
 * fully accepted (row + job) or refused, never half-saved. The work itself is runGeneration.
 *
 * Limits (env): at most BOIG_GENERATIONS_PER_MINUTE requests per rolling minute and
 * BOIG_ACTIVE_GENERATIONS queued or running at once, per user. Checked under a per-user advisory
 * lock so concurrent requests of one user cannot both slip under the limit.
 */
import { and, count, eq, gt, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows, type Db } from "../db/client";
import { BUCKETS, generations, jobs } from "../db/schema";
import { env } from "../env";
import { AppError, badInput } from "../errors";
import { DEFAULT_GENERATION } from "./generateImages";
import { checkBrandAndTargetKpi, promptFieldsShape, resolveKind } from "./promptFieldsInput";
import { parseInput } from "./validation";

export const GENERATE_JOB_KIND = "studio.generate";

export const generationRequestInput = z
  .object({
    ...promptFieldsShape,
    targetKpi: z.enum(BUCKETS, { error: `must be one of ${BUCKETS.join(", ")}` }),
    variants: z
      .number({ error: "must be a number from 1 to 8" })
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(8, { error: "must be at most 8" })
      .default(DEFAULT_GENERATION.variants),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  })
  .superRefine((input, ctx) => checkBrandAndTargetKpi(input, ctx));
export type GenerationRequest = z.input<typeof generationRequestInput>;

export async function requestGeneration(db: Db, userId: string, input: GenerationRequest) {
  const valid = parseInput(generationRequestInput, input);
  const kind = resolveKind(valid);
  const brand = kind === "social" ? valid.brand! : null;
  if (brand !== null) await checkBrandImported(db, brand);
  const config = env();
  return db.transaction(async (tx) => {
    // hashtext: one lock per user; released at commit.
    await queryRows(tx, sql`select pg_advisory_xact_lock(hashtext(${`generate:${userId}`}))`);
    const [recent] = await tx
      .select({ n: count() })
      .from(generations)
      .where(and(eq(generations.userId, userId), eq(generations.source, "generate"), gt(generations.createdAt, sql`now() - interval '1 minute'`)));
    if ((recent?.n ?? 0) >= config.BOIG_GENERATIONS_PER_MINUTE)
      throw new AppError("RATE_LIMITED", `Too many generations: at most ${config.BOIG_GENERATIONS_PER_MINUTE} per minute. Try again in a minute.`, {
        retryAfterSeconds: 60,
      });
    // Active = its job is still queued or running (the job, not the generation row, is the
    // truth: a job that failed in a killed worker never got to update its generation).
    const [active] = await tx
      .select({ n: count() })
      .from(generations)
      .innerJoin(jobs, eq(jobs.id, generations.jobId))
      .where(and(eq(generations.userId, userId), inArray(jobs.status, ["queued", "running"])));
    if ((active?.n ?? 0) >= config.BOIG_ACTIVE_GENERATIONS)
      throw new AppError(
        "RATE_LIMITED",
        `You already have ${active!.n} generations in progress (at most ${config.BOIG_ACTIVE_GENERATIONS}); wait for one to finish.`,
        { retryAfterSeconds: 10 },
      );
    const seed = valid.seed ?? Math.floor(Math.random() * 2 ** 31);
    const [generation] = await tx
      .insert(generations)
      .values({
        userId,
        source: "generate",
        kind,
        brand,
        postDate: valid.date,
        prompt: valid.prompt,
        keywords: valid.keywords,
        targetKpi: valid.targetKpi,
        variants: valid.variants,
        seed,
        settings: { steps: DEFAULT_GENERATION.steps, eta: DEFAULT_GENERATION.eta, guidance: DEFAULT_GENERATION.guidance },
      })
      .returning();
    const [job] = await tx
      .insert(jobs)
      .values({ kind: GENERATE_JOB_KIND, payload: { generationId: generation!.id }, createdBy: userId, maxAttempts: 3 })
      .returning({ id: jobs.id });
    await tx.update(generations).set({ jobId: job!.id }).where(eq(generations.id, generation!.id));
    return { id: generation!.id, jobId: job!.id };
  });
}

/** A social generation is for one of the imported accounts (the Brand select lists them). */
async function checkBrandImported(db: Db, brand: string) {
  const rows = await queryRows<{ one: number }>(
    db,
    sql`select 1 as one from posts p join datasets d on d.id = p.dataset_id where d.kind = 'social' and p.account = ${brand} limit 1`,
  );
  if (rows.length === 0) {
    const message = "is not an imported brand (pick one of the accounts of your social datasets)";
    throw badInput(`brand: ${message}`, { fields: [{ path: "brand", message }] });
  }
}
