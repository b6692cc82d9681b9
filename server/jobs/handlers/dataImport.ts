/**
 * Job `data.import`: import a folder, then verbalize what it brought. Both steps are idempotent
 * (re-import changes nothing, verbalized images are skipped), so a retried job simply resumes.
 */
import { z } from "zod";
import { importFolder } from "../../services/importFolder";
import { loadDetector } from "../../services/loadDetector";
import { verbalizeImages } from "../../services/verbalizeImages";
import type { JobHandler } from "../types";

export const dataImportPayload = z.object({ dir: z.string().min(1), name: z.string().optional() });

export const dataImportHandler: JobHandler<z.infer<typeof dataImportPayload>> = async (ctx) => {
  const { dir, name } = dataImportPayload.parse(ctx.payload);
  const results = await importFolder(ctx.db, {
    dir,
    name,
    actorId: ctx.job.createdBy,
    onProgress: (f, m) => ctx.progress(f * 0.5, m),
  });
  for (const r of results)
    await ctx.log(`${r.dataset}: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected`);
  const { detector, note } = await loadDetector("scene");
  if (note) await ctx.log(note, "warn");
  const verbalized = [];
  for (const [i, r] of results.entries()) {
    if (ctx.signal.aborted) return;
    verbalized.push(
      await verbalizeImages(ctx.db, {
        datasetId: r.datasetId,
        detector,
        onProgress: (f, m) => ctx.progress(0.5 + (0.5 * (i + f)) / results.length, `${r.dataset}: ${m}`),
      }),
    );
  }
  return {
    datasets: results.map(({ errors, ...r }) => ({ ...r, errorsShown: errors.slice(0, 100) })),
    verbalized,
  };
};
