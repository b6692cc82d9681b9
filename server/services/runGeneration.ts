/**
 * The work of one generation job (SPEC §2, §5): BoigLLM's verbalization for the target KPI, then
 * each BoigSD variant generated, scored and saved as it finishes, so a page polling the
 * generation shows variants arriving one by one. Every step commits together with the job's
 * checkpoint: a worker killed mid-generation resumes at the first unsaved variant, and a saved
 * variant is neither lost nor duplicated (the unique (generation, position) index guards it).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { generationImages, generations } from "../db/schema";
import { notFound } from "../errors";
import type { JobContext } from "../jobs/types";
import { refreshActiveModels } from "./activeModels";
import { generateImages } from "./generateImages";
import { scoreForHistory } from "./scoreForHistory";
import { verbalizeForPrompt } from "./verbalizeForPrompt";

export type GenerationJobPayload = { generationId: string };
type Checkpoint = { done: number };

export async function runGeneration(ctx: JobContext<GenerationJobPayload, Checkpoint>) {
  const { db } = ctx;
  // Another process (the app, another worker) may have promoted a model since this one started.
  await refreshActiveModels(db);
  const [generation] = await db.select().from(generations).where(eq(generations.id, ctx.payload.generationId));
  if (!generation) throw notFound("Generation");
  if (generation.status === "succeeded") return { generationId: generation.id, images: generation.variants };
  await db.update(generations).set({ status: "running", error: null }).where(eq(generations.id, generation.id));
  const fields = {
    kind: generation.kind,
    brand: generation.brand,
    date: generation.postDate,
    prompt: generation.prompt,
    keywords: generation.keywords,
  };
  const request = { ...fields, brand: fields.brand ?? undefined, targetKpi: generation.targetKpi ?? "high" };
  const total = generation.variants;

  let models = generation.models;
  if (!generation.verbalization) {
    await ctx.progress(0.02, "BoigLLM is writing the verbalization");
    const verbalized = await verbalizeForPrompt(request);
    models = { ...models, boigllm: verbalized.model };
    await db
      .update(generations)
      .set({
        verbalization: { canonical: verbalized.canonical, verbalization: verbalized.verbalization, preview: verbalized.preview, truncated: verbalized.truncated },
        models,
      })
      .where(eq(generations.id, generation.id));
  }

  const saved = await db
    .select({ position: generationImages.position })
    .from(generationImages)
    .where(eq(generationImages.generationId, generation.id));
  const done = new Set(saved.map((row) => row.position));
  for (let position = 0; position < total; position++) {
    if (done.has(position)) continue;
    if (ctx.signal.aborted) return;
    const label = `Variant ${position + 1} of ${total}`;
    await ctx.progress((0.05 + (0.95 * position) / total), `${label}: BoigSD is denoising`);
    const generated = await generateImages({ ...request, variants: 1, seed: generation.seed + position });
    await ctx.progress((0.05 + (0.95 * (position + 0.6)) / total), `${label}: scoring`);
    const scored = await scoreForHistory(db, fields, [{ bytes: generated.images[0]!.png, seed: generation.seed + position, fileName: null }], "scene");
    models = { ...models, ...scored.models, boigsd: { name: generated.model.name, version: generated.model.version } };
    const modelsNow = models;
    await ctx.commitStep(async (tx) => {
      await tx.insert(generationImages).values({ ...scored.rows[0]!, generationId: generation.id, position }).onConflictDoNothing();
      await tx.update(generations).set({ models: modelsNow }).where(eq(generations.id, generation.id));
      return { done: position + 1 };
    });
  }
  await db
    .update(generations)
    .set({ status: "succeeded", finishedAt: sql`now()` })
    .where(and(eq(generations.id, generation.id)));
  await ctx.progress(1, `${total} variants scored`);
  return { generationId: generation.id, images: total };
}

/** When the job ends without success, the generation says so too (the History shows why). */
export async function markGenerationEnded(db: Db, generationId: string, status: "failed" | "cancelled", error: string) {
  await db
    .update(generations)
    .set({ status, error, finishedAt: sql`now()` })
    .where(and(eq(generations.id, generationId), sql`${generations.status} in ('queued', 'running')`));
}
