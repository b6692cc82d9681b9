/**
 * Workload "import + verbalize": a simulated world's folder imported (CSV rows validated, images
 * decoded, hashed and stored) and every image verbalized with the scene detector, into a fresh
 * in-memory database each run — images per second. Also returns the canonical texts, which the
 * reward workload scores.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { openPglite, queryRows } from "../db/client";
import { resetEnv } from "../env";
import { importFolder } from "../services/importFolder";
import { loadDetector } from "../services/loadDetector";
import { verbalizeImages } from "../services/verbalizeImages";
import { generateWorld } from "../world/generateWorld";
import { median, type Workload } from "./benchModels";

export async function benchImport(runs: number): Promise<{ workload: Workload; canonicals: string[] }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "boig-bench-import-"));
  const saved = process.env.BOIG_DATA_DIR;
  try {
    await generateWorld({ seed: 11, brands: 3, postsPerBrand: 40, stockAssets: 40, outDir: path.join(root, "world") });
    const { detector } = await loadDetector("scene");
    const times: number[] = [];
    let images = 0;
    let canonicals: string[] = [];
    for (let run = 0; run <= runs; run++) {
      process.env.BOIG_DATA_DIR = path.join(root, `data-${run}`); // fresh image store each run
      resetEnv();
      const handle = await openPglite(null);
      try {
        const started = performance.now();
        await importFolder(handle.db, { dir: path.join(root, "world"), name: "bench" });
        await verbalizeImages(handle.db, { detector });
        if (run > 0) times.push(performance.now() - started); // run 0 is the warm-up
        const rows = await queryRows<{ canonical: string }>(handle.db, sql`select canonical_text as canonical from images where canonical_text is not null order by id`);
        images = rows.length;
        canonicals = rows.map((r) => r.canonical);
      } finally {
        await handle.close();
      }
    }
    const perSecond = (images * 1000) / median(times);
    return {
      workload: {
        workload: `import + verbalize (${images} images, scene detector)`,
        unit: "images/s",
        ours: perSecond,
        reference: null,
        referenceWhat: "—",
        ratio: null,
        floorMs: null,
        percentOfFloor: null,
        notes: [],
      },
      canonicals,
    };
  } finally {
    if (saved === undefined) delete process.env.BOIG_DATA_DIR;
    else process.env.BOIG_DATA_DIR = saved;
    resetEnv();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
