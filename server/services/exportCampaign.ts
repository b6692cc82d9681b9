/**
 * Campaign export (issue 6): the chosen generations (or every one of a brand) as a ZIP of the
 * image files plus `scores.csv` — one row per image with its inputs, both rewards, percentiles,
 * true KPI, verbalization and the model versions — ready for a spreadsheet or an ad manager.
 * Only what the user may see is exported (own generations; admins all).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { and, asc, desc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import { zipSync } from "fflate";
import { z } from "zod";
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { generationImages, generations } from "../db/schema";
import { env } from "../env";
import { badInput, notFound } from "../errors";
import { imageLabel } from "./compareImages";
import { parseInput } from "./validation";

export const MAX_EXPORT_GENERATIONS = 200;

export const exportCampaignInput = z
  .object({
    generationIds: z.array(z.string().uuid({ error: "is not a generation id" })).max(MAX_EXPORT_GENERATIONS).optional(),
    /** A brand's generations; "stock" for stock prompts. */
    brand: z.string().trim().min(1).max(200).optional(),
  })
  .refine((v) => (v.generationIds?.length ?? 0) > 0 || v.brand, { error: "choose generations or a brand to export", path: ["generationIds"] });

const CSV_COLUMNS = [
  "generation_id", "created_at", "source", "brand", "post_date", "prompt", "keywords", "target_kpi", "file", "seed",
  "reward_paper", "reward_calibrated", "probability_high", "percentile_paper", "percentile_calibrated", "true_kpi",
  "verbalization", "boigllm", "boigsd", "detector",
] as const;

export async function exportCampaign(db: Db, user: Pick<SessionUser, "id" | "role">, input: z.input<typeof exportCampaignInput>) {
  const valid = parseInput(exportCampaignInput, input);
  const filters: SQL[] = [];
  if (user.role !== "admin") filters.push(eq(generations.userId, user.id));
  if (valid.generationIds?.length) filters.push(inArray(generations.id, valid.generationIds));
  if (valid.brand === "stock") filters.push(isNull(generations.brand));
  else if (valid.brand) filters.push(eq(generations.brand, valid.brand));
  const chosen = await db
    .select()
    .from(generations)
    .where(and(...filters))
    .orderBy(desc(generations.createdAt))
    .limit(MAX_EXPORT_GENERATIONS);
  if (valid.generationIds?.length && chosen.length !== new Set(valid.generationIds).size) throw notFound("One of the generations");
  if (chosen.length === 0) throw badInput(`brand: no generations of ${valid.brand} to export yet`, { fields: [{ path: "brand", message: "has no generations to export yet" }] });
  const images = await db
    .select()
    .from(generationImages)
    .where(inArray(generationImages.generationId, chosen.map((g) => g.id)))
    .orderBy(asc(generationImages.position));

  const files: Record<string, Uint8Array> = {};
  const lines = [CSV_COLUMNS.join(",")];
  for (const generation of chosen) {
    const folder = `${generation.createdAt.toISOString().slice(0, 10)}-${slug(generation.brand ?? "stock")}-${generation.id.slice(0, 8)}`;
    for (const image of images.filter((i) => i.generationId === generation.id)) {
      const file = `${folder}/${slug(imageLabel(generation.source, image.position, null))}${image.fileName ? `-${slug(path.parse(image.fileName).name)}` : ""}.${image.format === "jpeg" ? "jpg" : image.format}`;
      files[file] = new Uint8Array(await fs.readFile(path.join(env().dataDir, image.storedPath)));
      const models = generation.models;
      lines.push(
        csvRow([
          generation.id, generation.createdAt.toISOString(), generation.source, generation.brand ?? "", generation.postDate, generation.prompt,
          generation.keywords.join("; "), generation.targetKpi ?? "", file, image.seed ?? "", image.rewardPaper, image.rewardCalibrated,
          image.probabilityHigh, image.percentilePaper ?? "", image.percentileCalibrated ?? "", image.trueKpi ?? "", image.canonical,
          models.boigllm ? `${models.boigllm.name}@${models.boigllm.version}` : "", models.boigsd ? `${models.boigsd.name}@${models.boigsd.version}` : "",
          models.detector ? `${models.detector.name}@${models.detector.version}` : "",
        ]),
      );
    }
  }
  files["scores.csv"] = new TextEncoder().encode(lines.join("\r\n") + "\r\n");
  const name = `boig-campaign-${slug(valid.brand ?? chosen[0]!.brand ?? "stock")}-${new Date().toISOString().slice(0, 10)}.zip`;
  // PNG/JPEG are already compressed: store them; deflate only the CSV.
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [v, { level: k.endsWith(".csv") ? 6 : 0 }]])) as never);
  return { fileName: name, bytes: zip, generations: chosen.length, images: images.length };
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "x";

/**
 * RFC 4180 quoting, plus a leading apostrophe on cells a spreadsheet would run as a formula
 * (=, +, -, @ — CSV injection), except plain numbers.
 */
export function csvRow(cells: readonly (string | number)[]): string {
  return cells
    .map((cell) => {
      if (typeof cell === "number") return Number.isFinite(cell) ? String(cell) : "";
      const safe = /^[=+\-@\t\r]/.test(cell) && !/^-?\d+(\.\d+)?$/.test(cell) ? `'${cell}` : cell;
      return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    })
    .join(",");
}
