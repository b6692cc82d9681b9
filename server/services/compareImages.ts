/**
 * Compare (issue 6): up to MAX_COMPARED images — generated variants and uploads, possibly from
 * different generations — side by side: both rewards, percentiles, true KPI where known, the
 * per-attribute breakdown, and a recommendation in plain words.
 *
 * The ranking uses the calibrated reward (log-odds that the post lands in the high-KPI bucket,
 * SPEC §4): it is comparable across prompts, unlike the paper's sum of token probabilities,
 * which grows with the verbalization's length. The paper reward breaks ties.
 */
import { inArray } from "drizzle-orm";
import { z } from "zod";
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { generationImages, generations } from "../db/schema";
import { badInput, notFound } from "../errors";
import type { AttributeContribution } from "../llm/reward";
import { toImageView } from "./getGeneration";
import { parseInput } from "./validation";

export const MAX_COMPARED = 10;

export const compareImagesInput = z.object({
  imageIds: z
    .array(z.string().uuid({ error: "is not an image id" }))
    .min(1, { error: "select at least one image" })
    .max(MAX_COMPARED, { error: `select at most ${MAX_COMPARED} images` }),
});

export async function compareImages(db: Db, user: Pick<SessionUser, "id" | "role">, input: z.input<typeof compareImagesInput>) {
  const { imageIds } = parseInput(compareImagesInput, input);
  const unique = [...new Set(imageIds)];
  const rows = await db.select().from(generationImages).where(inArray(generationImages.id, unique));
  const owners = rows.length
    ? await db.select().from(generations).where(inArray(generations.id, [...new Set(rows.map((r) => r.generationId))]))
    : [];
  const byId = new Map(owners.map((g) => [g.id, g]));
  const items = unique.map((id, index) => {
    const image = rows.find((r) => r.id === id);
    const generation = image ? byId.get(image.generationId) : undefined;
    if (!image || !generation || (generation.userId !== user.id && user.role !== "admin")) throw notFound(`Image ${index + 1} (${id})`);
    return {
      ...toImageView(image),
      label: imageLabel(generation.source, image.position, image.fileName),
      generation: { id: generation.id, source: generation.source, kind: generation.kind, brand: generation.brand, prompt: generation.prompt, postDate: generation.postDate, targetKpi: generation.targetKpi },
    };
  });
  if (items.length === 0) throw badInput("imageIds: select at least one image");
  const ranked = [...items].sort((a, b) => b.rewardCalibrated - a.rewardCalibrated || b.rewardPaper - a.rewardPaper);
  return { items, ranking: ranked.map((item) => item.id), recommendation: recommend(ranked) };
}

export function imageLabel(source: string, position: number, fileName: string | null) {
  return source === "upload" ? `Upload${fileName ? ` ${fileName}` : ""}` : `Variant ${position + 1}`;
}

type Ranked = { id: string; label: string; rewardCalibrated: number; probabilityHigh: number; percentileCalibrated: number | null; breakdown: unknown; generation: { brand: string | null } };

/** The best image and why, in words a marketer reads: what lifts it, what holds it back. */
export function recommend(ranked: readonly Ranked[]): { imageId: string; title: string; reason: string } {
  const best = ranked[0]!;
  const contributions = (best.breakdown as AttributeContribution[]).filter((c) => Number.isFinite(c.calibrated));
  const lifts = contributions.filter((c) => c.calibrated > 0).sort((a, b) => b.calibrated - a.calibrated).slice(0, 2);
  const drags = contributions.filter((c) => c.calibrated < 0).sort((a, b) => a.calibrated - b.calibrated).slice(0, 1);
  const chance = `${Math.round(best.probabilityHigh * 100)}% predicted chance of a high-KPI post`;
  const rank =
    best.percentileCalibrated !== null
      ? `, better than ${Math.round(best.percentileCalibrated)}% of ${best.generation.brand ?? "the stock library"}'s own posts`
      : "";
  const parts = [`${best.label} has the highest predicted KPI: ${chance}${rank}.`];
  if (ranked.length > 1) {
    const runnerUp = ranked[1]!;
    const gap = best.probabilityHigh - runnerUp.probabilityHigh;
    parts.push(
      Math.abs(gap) < 0.01
        ? `It is practically tied with ${runnerUp.label}; pick either on taste.`
        : `That is ${Math.round(gap * 100)} points above the runner-up, ${runnerUp.label}.`,
    );
  }
  if (lifts.length) parts.push(`What lifts it most: ${lifts.map((c) => c.label).join(" and ")}.`);
  if (drags.length) parts.push(`What holds it back: ${drags[0]!.label}.`);
  return { imageId: best.id, title: `Recommended: ${best.label}`, reason: parts.join(" ") };
}
