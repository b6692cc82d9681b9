import type { Command } from "commander";
import { z } from "zod";
import { eq } from "drizzle-orm";
import { closeDb, getDb } from "../db/client";
import { datasets } from "../db/schema";
import { notFound } from "../errors";
import { DETECTOR_CHOICES, loadDetector } from "../services/loadDetector";
import { verbalizeImages } from "../services/verbalizeImages";
import { parseInput } from "../services/validation";
import { createProgress } from "./progress";

const optionsSchema = z.object({
  dataset: z.string().optional(),
  detector: z.enum(DETECTOR_CHOICES).default("scene"),
  force: z.boolean().default(false),
});

/** `boig verbalize`: verbalize imported images (colors, tones, objects; SPEC §3.4). */
export function registerVerbalize(program: Command) {
  program
    .command("verbalize")
    .description("verbalize imported images: colors, tones, objects and the canonical text")
    .option("--dataset <name>", "only this dataset (default: all)")
    .option("--detector <name>", "scene (world renders) | coco (real photos) | none", "scene")
    .option("--force", "redo images already verbalized by this detector", false)
    .action(async (raw) => {
      const opts = parseInput(optionsSchema, raw);
      const progress = createProgress({ json: program.opts().json as boolean, label: "verbalize" });
      try {
        const db = await getDb();
        let datasetId: string | undefined;
        if (opts.dataset) {
          const [row] = await db.select().from(datasets).where(eq(datasets.name, opts.dataset));
          if (!row) throw notFound(`Dataset ${opts.dataset}`);
          datasetId = row.id;
        }
        const { detector, note } = await loadDetector(opts.detector);
        if (note) progress.info(note);
        const result = await verbalizeImages(db, { datasetId, force: opts.force, detector, onProgress: (f, m) => progress.update(f, m) });
        progress.stop();
        progress.result(result);
      } finally {
        progress.stop();
        await closeDb();
      }
    });
}
